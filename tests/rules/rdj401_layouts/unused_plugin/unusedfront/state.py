import reflex as rx

# rxconfig.py imports the plugin without listing it
from app.models import Product  # error: RDJ401


class UnusedPluginStockState(rx.State):
    count: int = 0

    async def load(self):
        self.count = await Product.objects.acount()
