"""RDJ107's fix imports `sync_to_async`: among the third-party imports where
isort puts it, every comment (the `# noqa: E402` too) kept on its line."""

import reflex as rx
from reflex_django import configure_django

configure_django()  # Django is set up before the models are imported (RDJ401)

from app.services import restock, stock_for  # noqa: E402


class ImportedState(rx.State):
    sku: str = ""
    stock: int = 0

    # the fix wraps the helper and adds `from asgiref.sync import sync_to_async`
    async def load_stock(self):
        self.stock = stock_for(self.sku)  # error: RDJ107

    # a second fix in the same file reuses the import the first one added
    async def restock_one(self):
        self.stock = restock(self.sku, 1)  # error: RDJ107

    # a helper that touches no database
    async def label(self):
        return self.sku.upper()  # ok
