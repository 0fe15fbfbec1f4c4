"""RDJ302 model-assigned-to-state: an event handler storing a model instance,
a QuerySet or a list of instances into a public state var."""

from typing import Any

import reflex as rx
from reflex_django import configure_django

configure_django()  # Django is set up before the models are imported (RDJ401)

from django.forms.models import model_to_dict

from app.models import Order, Product


class ProductPageState(rx.State):
    selected: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    names: list[str] = []
    count: int = 0

    # an instance assigned to a public var
    async def select(self, sku: str):
        self.selected = await Product.objects.aget(sku=sku)  # error: RDJ302

    # a QuerySet assigned to a public var
    async def load_rows(self):
        self.rows = Product.objects.filter(is_published=True)  # error: RDJ302

    # a list of instances built with an async comprehension
    async def load_all(self):
        self.rows = [p async for p in Product.objects.order_by("name")]  # error: RDJ302

    # append() of an instance to a public list var
    async def add_row(self, sku: str):
        product = await Product.objects.aget(sku=sku)
        self.rows.append(product)  # error: RDJ302

    # setattr() with the var's name
    async def select_by_name(self, sku: str):
        product = await Product.objects.aget(sku=sku)
        setattr(self, "selected", product)  # error: RDJ302

    # `+=` of a list of instances
    async def add_first_order(self):
        self.rows += [await Order.objects.afirst()]  # error: RDJ302

    # a backend var (`_name`) may hold the instance
    async def select_backend(self, sku: str):
        self._product = await Product.objects.aget(sku=sku)  # ok

    # plain data: model_to_dict(), values(), field values
    async def select_as_dict(self, sku: str):
        product = await Product.objects.aget(sku=sku)
        self.selected = model_to_dict(product, fields=["id", "name", "sku"])  # ok
        self.rows = [row async for row in Product.objects.values("id", "name")]  # ok
        self.names = [p.name async for p in Product.objects.order_by("name")]  # ok

    # a count is plain data
    async def count_rows(self):
        self.count = await Product.objects.acount()  # ok


class ProductCard:
    """Not a state: a server-side view object may hold an instance."""

    async def load(self, sku: str):
        self.product = await Product.objects.aget(sku=sku)  # ok


class ProductSummaryState(rx.State):
    tick: int = 0
    summary: dict[str, Any] = {}

    # an instance inside a dict literal is sent as null too
    async def load_summary(self):
        self.summary = {"product": await Product.objects.afirst(), "count": 1}  # error: RDJ302

    # plain data in the dict
    async def load_summary_names(self):
        self.summary = {"names": [p.name async for p in Product.objects.all()]}  # ok

    # a computed var returning an instance (in one arm of a conditional)
    @rx.var
    async def first_product(self) -> dict:
        return await Product.objects.afirst() if self.tick else {}  # error: RDJ302

    # a computed var returning a QuerySet: evaluated on the loop
    @rx.var
    def open_orders(self) -> list[dict]:
        return Order.objects.filter(status="new")  # error: RDJ302

    # a computed var returning plain data built from an instance
    @rx.var
    async def first_product_card(self) -> dict:
        product = await Product.objects.afirst()
        return {"name": product.name} if product else {}  # ok

    # a backend var keeps its value on the server
    @rx.var(backend=True)
    async def first_product_backend(self) -> Product | None:
        return await Product.objects.afirst()  # ok
