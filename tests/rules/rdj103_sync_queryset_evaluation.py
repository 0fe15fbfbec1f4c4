"""RDJ103 sync-queryset-evaluation: a QuerySet evaluated synchronously in
async code (iteration, list()/len(), truthiness, `in`, indexing, step
slicing, formatting)."""

import reflex as rx
from asgiref.sync import sync_to_async
from reflex_django import configure_django

configure_django()  # Django is set up before the models are imported (RDJ401)

from app.models import Order, Product, Tag


class ShelfState(rx.State):
    names: list[str] = []
    count: int = 0
    label: str = ""
    has_stock: bool = False

    # a plain `for` over a QuerySet
    async def load_names(self):
        self.names = []
        for product in Product.objects.filter(is_published=True):  # error: RDJ103
            self.names.append(product.name)

    # a list comprehension over a QuerySet from a custom manager
    async def load_published(self):
        self.names = [p.name for p in Product.published.order_by("name")]  # error: RDJ103

    # list() and len() of a QuerySet held in a variable
    async def load_tags(self):
        tags = Tag.objects.order_by("name")
        self.names = list(tags.values_list("name", flat=True))  # error: RDJ103
        self.count = len(tags)  # error: RDJ103

    # truthiness: `if qs` fetches every row
    async def check_stock(self):
        in_stock = Product.stocked.in_stock()
        if in_stock:  # error: RDJ103
            self.has_stock = True

    # indexing, and slicing with a step
    async def pick(self):
        newest = Product.objects.order_by("-id")
        self.label = newest[0].name  # error: RDJ103
        every_other = newest[::2]  # error: RDJ103
        self.names = [p.name for p in every_other]

    # an f-string formats (and so evaluates) the QuerySet
    async def describe(self):
        open_orders = Order.objects.filter(status="new")
        self.label = f"open: {open_orders}"  # error: RDJ103

    # `async for` and an async comprehension evaluate asynchronously
    async def load_names_async(self):
        self.names = [p.name async for p in Product.objects.filter(is_published=True)]  # ok
        async for tag in Tag.objects.order_by("name"):  # ok
            self.names.append(tag.name)

    # slicing without a step stays lazy (LIMIT/OFFSET in SQL)
    async def first_page(self):
        page = Product.objects.order_by("name")[0:5]  # ok
        self.names = [p.name async for p in page]

    # str(qs.query) renders the SQL without running it
    async def show_sql(self):
        self.label = str(Product.objects.filter(stock__gt=0).query)  # ok

    # after an async comprehension the result cache answers len() and `if`
    async def load_and_count(self):
        tags = Tag.objects.order_by("name")
        self.names = [t.name async for t in tags]
        self.count = len(tags)  # ok
        self.has_stock = bool(tags)  # ok

    # list() run by sync_to_async evaluates in a worker thread
    async def load_in_thread(self):
        rows = await sync_to_async(list)(Product.objects.values_list("name", flat=True))  # ok
        self.names = [str(r) for r in rows]


class AsyncOrmTests:
    """A test that evaluates a QuerySet on the loop on purpose, to prove Django raises."""

    async def test_sync_evaluation_raises(self):
        from django.core.exceptions import SynchronousOnlyOperation

        with self.assertRaises(SynchronousOnlyOperation):
            list(Product.objects.all())  # ok
