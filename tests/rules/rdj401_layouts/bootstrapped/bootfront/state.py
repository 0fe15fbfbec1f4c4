import reflex as rx

# its only importer, the app module, set Django up first
from app.models import Product  # ok


class BootStockState(rx.State):
    count: int = 0

    async def load(self):
        self.count = await Product.objects.acount()
