"""RDJ202 broken-async-atomic: `async with` over a transaction that is not an
async context manager (TypeError at runtime), and `Atomic` subclasses whose
`__aenter__` enters the transaction on the loop."""

import asyncio

import reflex as rx
from asgiref.sync import sync_to_async
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.transaction import Atomic, atomic
from reflex_django import configure_django

configure_django()  # Django is set up before the models are imported (RDJ401)

from app.models import Order, Product


class LoopAtomic(Atomic):
    """Enters the transaction on the event loop (SynchronousOnlyOperation)."""

    def __init__(self, using=DEFAULT_DB_ALIAS):
        super().__init__(using, savepoint=True, durable=False)

    async def __aenter__(self):
        self.__enter__()
        return self

    async def __aexit__(self, exc_type, exc_value, traceback):
        return self.__exit__(exc_type, exc_value, traceback)


class ThreadAtomic(Atomic):
    """Enters and leaves the transaction in sync_to_async's worker thread."""

    def __init__(self, using=DEFAULT_DB_ALIAS):
        super().__init__(using, savepoint=True, durable=False)

    async def __aenter__(self):
        await sync_to_async(self.__enter__)()
        return self

    async def __aexit__(self, exc_type, exc_value, traceback):
        return await sync_to_async(self.__exit__)(exc_type, exc_value, traceback)


class AuditLog:
    """An async context manager of our own (not a transaction)."""

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


class PaymentState(rx.State):
    order_id: int = 0
    status: str = ""

    # the pattern some guides recommend: `Atomic` has no __aenter__ (TypeError)
    async def pay(self):
        async with sync_to_async(transaction.atomic)():  # error: RDJ202
            await Order.objects.filter(pk=self.order_id).aupdate(status="paid")

    # awaiting the wrapper first still yields a sync `Atomic`
    async def refund(self):
        async with await sync_to_async(atomic)():  # error: RDJ202
            await Order.objects.filter(pk=self.order_id).aupdate(status="refunded")

    # `async with transaction.atomic()` directly
    async def ship(self):
        async with transaction.atomic():  # error: RDJ202
            await Order.objects.filter(pk=self.order_id).aupdate(status="shipped")

    # an Atomic subclass whose __aenter__ calls __enter__() on the loop
    async def restock(self):
        async with LoopAtomic():  # error: RDJ202
            await Product.objects.filter(stock=0).aupdate(stock=5)

    # the fix: the transactional block as a sync function in a worker thread
    async def pay_in_thread(self):
        def _pay():
            with transaction.atomic():
                Order.objects.filter(pk=self.order_id).update(status="paid")

        await sync_to_async(_pay)()  # ok

    # an Atomic subclass that enters/leaves through sync_to_async runs clean
    async def restock_in_thread(self):
        async with ThreadAtomic():  # ok
            await Product.objects.filter(stock=0).aupdate(stock=5)

    # async context managers that are not transactions
    async def audited(self):
        async with AuditLog():  # ok
            self.status = "audited"
        async with asyncio.timeout(5):  # ok
            order = await Order.objects.aget(pk=self.order_id)
        self.status = order.status
