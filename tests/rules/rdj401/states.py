"""A state module that imports the set-up module before any models."""

import reflex as rx

from rdj401.django_setup import SITE_NAME  # runs configure_django() first

# an earlier import in this module ran configure_django()
from app.models import Product  # ok


class StockState(rx.State):
    site: str = SITE_NAME
    count: int = 0

    async def load(self):
        self.count = await Product.objects.acount()
