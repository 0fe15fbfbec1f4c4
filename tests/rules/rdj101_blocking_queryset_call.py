"""RDJ101 blocking-queryset-call: QuerySet / manager methods that run a query,
called in async code."""

import reflex as rx
from asgiref.sync import sync_to_async
from django.db.models import QuerySet, Sum
from reflex_django import configure_django

configure_django()  # Django is set up before the models are imported (RDJ401)

from app.models import Customer, Order, Product


class LocalCache:
    """A process-local cache with ORM-sounding method names (not Django)."""

    def __init__(self):
        self._data = {}

    def get(self, key, default=None):
        return self._data.get(key, default)

    def count(self):
        return len(self._data)


cache = LocalCache()


class CatalogState(rx.State):
    sku: str = ""
    name: str = ""
    total: int = 0
    revenue: str = "0"
    names: list[str] = []

    # get() on the default manager
    async def load_product(self):
        product = Product.objects.get(sku=self.sku)  # error: RDJ101
        self.name = product.name

    # count() on a custom Manager subclass (`published`)
    async def count_published(self):
        self.total = Product.published.count()  # error: RDJ101

    # first() on a custom QuerySet method, through a local variable
    async def first_in_stock(self):
        in_stock = Product.stocked.in_stock().order_by("name")
        product = in_stock.first()  # error: RDJ101
        self.name = product.name if product else ""

    # aggregate() at the end of a filter() chain
    async def load_revenue(self):
        totals = Product.objects.filter(is_published=True).aggregate(total=Sum("price"))  # error: RDJ101
        self.revenue = str(totals["total"])

    # iterating iterator()'s generator runs the query
    async def load_names(self):
        self.names = []
        for product in Product.objects.order_by("name").iterator():  # error: RDJ101
            self.names.append(product.name)

    # the async twin is fine
    async def load_product_async(self):
        product = await Product.objects.aget(sku=self.sku)  # ok
        self.name = product.name

    # filter()/order_by() only build the QuerySet; acount() runs it asynchronously
    async def count_published_async(self):
        qs = Product.published.filter(stock__gt=0).order_by("name")  # ok
        self.total = await qs.acount()

    # a bound method handed to sync_to_async runs in a worker thread
    async def count_in_thread(self):
        self.total = await sync_to_async(Product.objects.count)()  # ok

    # get()/count() on a dict and on a non-Django cache object
    async def read_cache(self):
        options = {"page_size": 20}
        self.total = options.get("page_size", 10) + cache.count()  # ok
        self.name = cache.get("last_sku", "")  # ok

    # iterator() alone returns a lazy generator that is never advanced here
    async def prepare_export(self):
        rows = Product.objects.order_by("sku").iterator()  # ok
        return None if rows is None else "ready"


# an async Django view: update() and get_or_create() on a manager / QuerySet
async def close_orders(request, customer_email: str):
    customer, _ = Customer.objects.get_or_create(email=customer_email)  # error: RDJ101
    closed = Order.objects.filter(customer=customer).update(status="closed")  # error: RDJ101
    return closed


# a parameter annotated `QuerySet[Product]` is a QuerySet
async def has_products(products: QuerySet[Product]) -> bool:
    return products.exists()  # error: RDJ101


# count() after `async for` answers from the QuerySet's result cache: no query
async def count_after_async_for() -> int:
    qs = Product.objects.filter(stock__gt=0)
    async for _ in qs:
        pass
    return qs.count()  # ok


# a sync function: whoever calls it decides the thread (not async code)
def count_orders_sync() -> int:
    return Order.objects.count()  # ok
