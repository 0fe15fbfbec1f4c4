"""Another library's `models` module is not Django's: only names used as
models (`Name.objects`) make an installed app's models module."""

import reflex as rx
from payments_sdk.models import Charge  # ok: an SDK's data classes

from shop_billing.models import Invoice  # error: RDJ401


class BillingState(rx.State):
    charge_id: str = ""
    total: int = 0

    async def load(self):
        charge = Charge(id=self.charge_id)
        self.total = await Invoice.objects.filter(charge_id=charge.id).acount()
