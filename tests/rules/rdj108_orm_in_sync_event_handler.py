"""RDJ108 orm-in-sync-event-handler: ORM work in a sync (`def`) event handler
of a Reflex state, which Reflex calls on the event-loop thread."""

import reflex as rx
from asgiref.sync import sync_to_async
from reflex_django import AppState, configure_django

configure_django()  # Django is set up before the models are imported (RDJ401)

from app.models import Order, Product
from app.services import stock_for
from rdj108 import warmup


class AdminState(rx.State):
    names: list[str] = []
    stock: int = 0
    query: str = ""
    customer: str = ""

    # update() in a plain sync handler
    def publish(self, product_id: int):
        Product.objects.filter(pk=product_id).update(is_published=True)  # error: RDJ108

    # iterating a QuerySet in an @rx.event sync handler
    @rx.event
    def load_names(self):
        self.names = [p.name for p in Product.published.order_by("name")]  # error: RDJ108

    # get() and then save() in a sync handler: both run on the loop
    def mark_paid(self, order_id: int):
        order = Order.objects.get(pk=order_id)  # error: RDJ108
        order.status = "paid"
        order.save()  # error: RDJ108

    # a sync helper doing ORM work, called from a sync handler
    def load_stock(self, sku: str):
        self.stock = stock_for(sku)  # error: RDJ108

    # a sync handler with no ORM work only sets state
    def set_query(self, query: str):
        self.query = query.strip()  # ok

    # building a QuerySet (and its SQL text) runs no query
    def show_sql(self):
        self.query = str(Product.objects.filter(name__icontains=self.query).query)  # ok

    # a backend `_method` is not an event handler; here it runs via sync_to_async
    def _names_sync(self) -> list[str]:
        return [p.name for p in Product.objects.order_by("name")]  # ok

    # the async handler that hands the backend method to a worker thread
    async def load_names_async(self):
        self.names = await sync_to_async(self._names_sync)()  # ok


class OrdersState(AppState):
    count: int = 0

    # reflex-django's AppState is an rx.State too
    def count_orders(self):
        self.count = Order.objects.count()  # error: RDJ108


class CatalogStatsState(rx.State):
    tick: int = 0
    discount: int = 0

    # a cached computed var: Reflex computes it on the loop while it builds the delta
    @rx.var
    def product_count(self) -> int:
        return Product.objects.count()  # error: RDJ108

    # `cache=False`: recomputed after every event of the state
    @rx.var(cache=False)
    def open_orders(self) -> list[str]:
        return [o.status for o in Order.objects.filter(status="new")]  # error: RDJ108

    # `deps=` and `interval=` change when the var runs, never where
    @rx.var(deps=["tick"], auto_deps=False, interval=60)
    def first_name(self) -> str:
        return Product.objects.first().name  # error: RDJ108

    # a computed var from state only
    @rx.var
    def doubled(self) -> int:
        return self.tick * 2  # ok

    # the correct form: an async computed var with the async ORM API
    @rx.var
    async def product_count_async(self) -> int:
        return await Product.objects.acount()  # ok

    # a backend var is never computed for the browser: whoever reads it is the context
    @rx.var(backend=True)
    def stock_total(self) -> int:
        return Product.objects.count()  # ok

    # a property is no computed var Reflex calls
    @property
    def label(self) -> str:
        return Product.objects.get(pk=1).name  # ok


class OrderReport:
    """A plain class used by management commands: sync ORM is fine here."""

    def count_open(self) -> int:
        return Order.objects.filter(status="new").count()  # ok


# Lifespan tasks: Reflex's Starlette lifespan calls a sync task on the loop thread.
def warm_caches():
    return Product.objects.count()  # error: RDJ108


def ping_services():
    return "ok"  # ok


async def warm_caches_async():
    return await Product.objects.acount()  # ok


def count_for_cli():
    """Not registered: a management command's helper."""
    return Product.objects.count()  # ok


app = rx.App()
app.register_lifespan_task(warm_caches)
app.register_lifespan_task(ping_services)
app.register_lifespan_task(warm_caches_async)
app.register_lifespan_task(warmup.rebuild_search_index)


@app.register_lifespan_task
def warm_orders():
    Order.objects.filter(status="new").count()  # error: RDJ108
