"""A background-task module: no states, no pages; Reflex never imports it at
start-up, so importing models here is fine."""

from app.models import Order  # ok


def close_stale_orders() -> int:
    return Order.objects.filter(status="new").update(status="stale")
