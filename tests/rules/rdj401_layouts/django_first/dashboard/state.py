import reflex as rx

# Django's entry points set Django up before they import the Reflex app
from app.models import Product  # ok


class DashboardStockState(rx.State):
    count: int = 0

    async def load(self):
        self.count = await Product.objects.acount()
