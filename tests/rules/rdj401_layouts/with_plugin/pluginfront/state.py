import reflex as rx

# the plugin set Django up before Reflex imported this module
from app.models import Product  # ok


class PluginStockState(rx.State):
    count: int = 0

    async def load(self):
        self.count = await Product.objects.acount()
