"""Sync service helpers of the `app` app, used by the RDJ107 fixture. Some do
blocking ORM work (fine in a worker thread, not on the event loop)."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F

from app.models import Order, Product


def stock_for(sku: str) -> int:
    return Product.objects.get(sku=sku).stock


def restock(sku: str, amount: int) -> int:
    return Product.objects.filter(sku=sku).update(stock=F("stock") + amount)


def dashboard_line() -> str:
    return f"{_open_order_count()} open orders"


def _open_order_count() -> int:
    return Order.objects.filter(status="new").count()


@transaction.atomic
def close_order(order_id: int) -> None:
    Order.objects.filter(pk=order_id).update(status="closed")


def format_price(amount) -> str:
    return f"€{Decimal(amount):.2f}"


def published_books():
    return Product.published.filter(category__name="Books").order_by("sku")


class OrderRepository:
    """A service class: its sync methods do ORM work."""

    def open_count(self) -> int:
        return Order.objects.filter(status="new").count()

    def summary(self) -> str:
        return f"{self.open_count()} open"

    def title(self) -> str:
        return "Orders"


orders = OrderRepository()
