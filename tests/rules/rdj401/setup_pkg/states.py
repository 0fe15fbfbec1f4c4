"""A state module inside a package whose `__init__.py` already set Django up."""

import reflex as rx

from app.models import Product  # ok


class PackagedState(rx.State):
    count: int = 0

    async def load(self):
        self.count = await Product.objects.acount()
