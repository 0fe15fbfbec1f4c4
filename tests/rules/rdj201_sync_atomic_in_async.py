"""RDJ201 sync-atomic-in-async: `with transaction.atomic()` in async code, and
`@transaction.atomic` on an `async def`."""

import asyncio
import contextlib

import reflex as rx
from asgiref.sync import sync_to_async
from django.db import transaction
from django.db.transaction import atomic
from django.http import JsonResponse
from reflex_django import configure_django

configure_django()  # Django is set up before the models are imported (RDJ401)

from app.models import Order, Product


class CheckoutState(rx.State):
    order_id: int = 0
    status: str = ""

    # `with transaction.atomic()` in an async handler
    async def place_order(self, customer_id: int):
        with transaction.atomic():  # error: RDJ201
            order = await Order.objects.acreate(customer_id=customer_id)
        self.order_id = order.pk

    # `atomic` imported by name, with arguments
    async def cancel(self):
        with atomic(using="default", savepoint=False):  # error: RDJ201
            await Order.objects.filter(pk=self.order_id).aupdate(status="cancelled")

    # the transactional block moved into a sync function run in a worker thread
    async def place_order_in_thread(self, customer_id: int):
        def _place() -> int:
            with transaction.atomic():  # ok
                return Order.objects.create(customer_id=customer_id).pk

        self.order_id = await sync_to_async(_place)()

    # other context managers in async code are fine
    async def refresh(self):
        with contextlib.suppress(Order.DoesNotExist):  # ok
            order = await Order.objects.aget(pk=self.order_id)
            self.status = order.status


# @transaction.atomic on an async view enters the transaction when called
@transaction.atomic  # error: RDJ201
async def restock_view(request, sku: str):
    await Product.objects.filter(sku=sku).aupdate(stock=10)
    return JsonResponse({"ok": True})


# an atomic block nested in an `if` of an async view
async def ship_view(request, pk: int):
    if pk > 0:
        with transaction.atomic():  # error: RDJ201
            await Order.objects.filter(pk=pk).aupdate(status="shipped")
    return JsonResponse({"ok": True})


# @transaction.atomic on a sync function run by sync_to_async is the right pattern
@transaction.atomic  # ok
def _move_stock(src: str, dst: str) -> None:
    Product.objects.filter(sku=src).update(stock=0)
    Product.objects.filter(sku=dst).update(stock=10)


async def move_stock_view(request):
    await sync_to_async(_move_stock)("BK-001", "BK-002")  # ok
    return JsonResponse({"ok": True})


# a sync view may use atomic freely
def sync_ship_view(request, pk: int):
    with transaction.atomic():  # ok
        Order.objects.filter(pk=pk).update(status="shipped")
    return JsonResponse({"ok": True})


# an asyncio lock is an async context manager, not a transaction
_lock = asyncio.Lock()


async def locked_view(request):
    async with _lock:  # ok
        count = await Order.objects.acount()
    return JsonResponse({"count": count})


# the transaction object made first, entered later
async def atomic_object_entered_later(pk: int):
    tx = transaction.atomic()
    with tx:  # error: RDJ201
        return pk
