"""RDJ107 blocking-call-via-helper: async code calling a sync workspace
function (in any file, or a nested def / lambda) that does blocking ORM work."""

import asyncio

import reflex as rx
from asgiref.sync import sync_to_async
from reflex_django import configure_django

configure_django()  # Django is set up before the models are imported (RDJ401)

from app import services
from app.models import Product
from app.services import format_price, published_books, restock, stock_for


class InventoryState(rx.State):
    sku: str = ""
    stock: int = 0
    summary: str = ""
    names: list[str] = []

    def _load_names(self) -> list[str]:
        return list(Product.objects.values_list("name", flat=True))

    # a helper in another module that runs get()
    async def load_stock(self):
        self.stock = stock_for(self.sku)  # error: RDJ107

    # a helper reached through a module attribute, two calls deep
    async def load_summary(self):
        self.summary = services.dashboard_line()  # error: RDJ107

    # a helper decorated with @transaction.atomic enters the transaction on the loop
    async def close(self, order_id: int):
        services.close_order(order_id)  # error: RDJ107

    # a sync backend method of the state, called directly from an async handler
    async def load_names(self):
        self.names = self._load_names()  # error: RDJ107

    # a nested def called directly runs on the loop
    async def restock_one(self):
        def bump():
            return restock(self.sku, 1)

        self.stock = bump()  # error: RDJ107

    # the helpers handed to sync_to_async / asyncio.to_thread run in worker threads
    async def load_stock_in_thread(self):
        self.stock = await sync_to_async(stock_for)(self.sku)  # ok
        await asyncio.to_thread(restock, self.sku, 1)  # ok
        self.names = await sync_to_async(self._load_names)()  # ok

    # run_in_executor() also runs the helper in a worker thread
    async def load_summary_in_executor(self):
        loop = asyncio.get_running_loop()
        self.summary = await loop.run_in_executor(None, services.dashboard_line)  # ok

    # a helper without ORM work is fine to call on the loop
    async def show_price(self):
        product = await Product.objects.aget(sku=self.sku)
        self.summary = format_price(product.price)  # ok

    # a helper that only builds a QuerySet runs no query; async for evaluates it
    async def load_books(self):
        books = published_books()  # ok
        self.names = [b.name async for b in books]


# methods of a service class, through a module-level instance
async def orders_badge():
    return services.orders.summary()  # error: RDJ107


async def orders_title():
    return services.orders.title()  # ok: no ORM work


async def orders_badge_in_thread():
    return await sync_to_async(services.orders.summary)()  # ok
