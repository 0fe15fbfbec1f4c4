"""RDJ102 blocking-model-method: instance methods that query (save, delete,
refresh_from_db, and the validation methods when they query for that model),
called in async code."""

import reflex as rx
from asgiref.sync import sync_to_async
from reflex_django import configure_django

configure_django()  # Django is set up before the models are imported (RDJ401)

from app.models import Coupon, Customer, Note, Order, Product


class Draft:
    """A form-like object with a `save()` of its own (not a model)."""

    def __init__(self, text: str):
        self.text = text

    def save(self) -> str:
        return self.text.strip()


class OrderState(rx.State):
    order_id: int = 0
    status: str = ""
    message: str = ""

    # save() on an instance fetched with the async API
    async def mark_paid(self):
        order = await Order.objects.aget(pk=self.order_id)
        order.status = "paid"
        order.save()  # error: RDJ102

    # delete() on an instance
    async def delete_product(self, sku: str):
        product = await Product.objects.aget(sku=sku)
        product.delete()  # error: RDJ102

    # refresh_from_db() reloads the row synchronously
    async def reload(self):
        order = await Order.objects.aget(pk=self.order_id)
        order.refresh_from_db()  # error: RDJ102
        self.status = order.status

    # validate_constraints() queries when the model has Meta.constraints
    async def check_coupon(self, code: str):
        coupon = Coupon(code=code, percent=15)
        coupon.validate_constraints()  # error: RDJ102

    # validate_unique() queries for a model with a unique field (email)
    async def check_email(self, email: str):
        customer = Customer(name="New", email=email)
        customer.validate_unique()  # error: RDJ102

    # full_clean() checks that the ForeignKey target exists (a query)
    async def validate_product(self, sku: str):
        product = await Product.objects.aget(sku=sku)
        product.full_clean()  # error: RDJ102

    # the async twin asave() is fine
    async def mark_paid_async(self):
        order = await Order.objects.aget(pk=self.order_id)
        order.status = "paid"
        await order.asave(update_fields=["status"])  # ok

    # a bound save() handed to sync_to_async runs in a worker thread
    async def mark_shipped(self):
        order = await Order.objects.aget(pk=self.order_id)
        order.status = "shipped"
        await sync_to_async(order.save)()  # ok

    # validate_unique() on a model without unique fields runs no query
    async def check_note(self, text: str):
        note = Note(text=text)
        note.validate_unique()  # ok

    # full_clean() of a model without relations, with the querying parts switched off
    async def check_coupon_fields(self, code: str):
        coupon = Coupon(code=code, percent=15)
        coupon.full_clean(validate_unique=False, validate_constraints=False)  # ok

    # save() of a plain Python object is not Django's
    async def save_draft(self, text: str):
        self.message = Draft(text).save()  # ok
