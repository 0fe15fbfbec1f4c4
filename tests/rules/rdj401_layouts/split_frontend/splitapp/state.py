import reflex as rx

# Reflex (frontend/rxconfig.py, no plugin) imports this before Django is set up
from app.models import Product  # error: RDJ401


class SplitStockState(rx.State):
    count: int = 0

    async def load(self):
        self.count = await Product.objects.acount()
