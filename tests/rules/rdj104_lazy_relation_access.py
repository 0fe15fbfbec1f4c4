"""RDJ104 lazy-relation-access: reading a ForeignKey / OneToOne relation that
the query did not `select_related`, or a field left out by only()/defer(),
in async code."""

import reflex as rx
from asgiref.sync import sync_to_async
from reflex_django import configure_django

configure_django()  # Django is set up before the models are imported (RDJ401)

from app.models import Customer, Order, OrderItem, Product


class OrderDetailState(rx.State):
    order_id: int = 0
    customer_name: str = ""
    lines: list[str] = []
    bio: str = ""
    price: str = ""

    # a forward ForeignKey read on an instance fetched without select_related
    async def load_customer(self):
        order = await Order.objects.aget(pk=self.order_id)
        self.customer_name = order.customer.name  # error: RDJ104

    # the same inside an `async for` over a related manager
    async def load_lines(self):
        order = await Order.objects.aget(pk=self.order_id)
        self.lines = []
        async for item in order.items.all():
            self.lines.append(item.product.name)  # error: RDJ104

    # a reverse one-to-one (`customer.profile`) is loaded lazily too
    async def load_bio(self, email: str):
        customer = await Customer.objects.aget(email=email)
        self.bio = customer.profile.bio  # error: RDJ104

    # select_related("order") covers the first step only, not `order.customer`
    async def load_first_item_customer(self):
        item = await OrderItem.objects.select_related("order").order_by("id").afirst()
        self.customer_name = item.order.customer.name  # error: RDJ104

    # relations below the ones select_related() names: the fix names them in the same call
    async def load_customer_and_category(self):
        item = await OrderItem.objects.select_related("order", "product").order_by("id").afirst()
        self.customer_name = item.order.customer.name  # error: RDJ104
        self.category_name = item.product.category.name  # error: RDJ104

    # a field left out by only() is loaded with a query on first read
    async def load_price(self, sku: str):
        product = await Product.objects.only("name").aget(sku=sku)
        self.price = str(product.price)  # error: RDJ104

    # the arguments of sync_to_async(...)(...) are evaluated on the loop
    async def customer_label(self):
        order = await Order.objects.aget(pk=self.order_id)
        self.customer_name = await sync_to_async(str)(order.customer)  # error: RDJ104

    # select_related() loads the relation with the query
    async def load_customer_joined(self):
        order = await Order.objects.select_related("customer").aget(pk=self.order_id)
        self.customer_name = order.customer.name  # ok

    # a path in select_related() covers every step of it
    async def load_item_customer_joined(self):
        item = await OrderItem.objects.select_related("order__customer").order_by("id").afirst()
        self.customer_name = item.order.customer.name  # ok

    # the `_id` column of a ForeignKey is on the row already
    async def load_customer_id(self):
        order = await Order.objects.aget(pk=self.order_id)
        self.lines = [str(order.customer_id)]  # ok

    # a field kept by only() is loaded
    async def load_name_only(self, sku: str):
        product = await Product.objects.only("name").aget(sku=sku)
        self.lines = [product.name]  # ok

    # a lambda given to sync_to_async reads the relation in a worker thread
    async def customer_name_in_thread(self):
        order = await Order.objects.aget(pk=self.order_id)
        self.customer_name = await sync_to_async(lambda: order.customer.name)()  # ok


class RegressionState(rx.State):
    """Cases from bug reports, verified against real Django 5.2."""

    status: str = ""
    names: list[str] = []

    # rows of a related manager have their owner cached by Django: no query
    async def owner_through_related_manager(self, pk: int):
        order = await Order.objects.aget(pk=pk)
        async for item in order.items.all():
            self.status = item.order.status  # ok

    # assigning a relation caches it
    async def read_after_assigning(self, pk: int):
        order = await Order.objects.aget(pk=pk)
        order.customer = await Customer.objects.aget(pk=2)
        self.status = order.customer.name  # ok

    # a list collected with `async for` still holds lazy relations
    async def list_then_sync_comprehension(self):
        items = [i async for i in OrderItem.objects.all()]
        self.names = [i.product.name for i in items]  # error: RDJ104

    # get_or_create's instance did not select_related anything
    async def after_get_or_create(self):
        item, _ = await OrderItem.objects.aget_or_create(pk=1)
        self.status = item.product.name  # error: RDJ104
