"""RDJ105 blocking-related-manager: the writing methods of a related manager
(reverse ForeignKey or ManyToMany), called in async code."""

import reflex as rx
from asgiref.sync import sync_to_async
from reflex_django import configure_django

configure_django()  # Django is set up before the models are imported (RDJ401)

from app.models import Category, Customer, Order, Product, Tag


class Cart:
    """A session cart (plain Python) with an `items` set of SKUs."""

    def __init__(self):
        self.items = set()


class TaggingState(rx.State):
    sku: str = ""
    count: int = 0

    # add() on a ManyToMany manager
    async def tag_product(self, tag_id: int):
        product = await Product.objects.aget(sku=self.sku)
        product.tags.add(tag_id)  # error: RDJ105

    # set() on a ManyToMany manager
    async def retag_product(self, tag_ids: list[int]):
        product = await Product.objects.aget(sku=self.sku)
        product.tags.set(tag_ids)  # error: RDJ105

    # create() on a reverse ForeignKey manager (`related_name="items"`)
    async def add_line(self, order_id: int):
        order = await Order.objects.aget(pk=order_id)
        product = await Product.objects.aget(sku=self.sku)
        order.items.create(product=product, quantity=1)  # error: RDJ105

    # clear() on a nullable reverse ForeignKey (`category.children`)
    async def detach_children(self, category_id: int):
        category = await Category.objects.aget(pk=category_id)
        category.children.clear()  # error: RDJ105

    # get_or_create() on the default reverse accessor `customer.order_set`
    async def open_order(self, email: str):
        customer = await Customer.objects.aget(email=email)
        order, _ = customer.order_set.get_or_create(status="new")  # error: RDJ105
        self.count = order.pk

    # remove() on the reverse side of a ManyToMany (`tag.products`)
    async def untag(self, tag_id: int):
        tag = await Tag.objects.aget(pk=tag_id)
        product = await Product.objects.aget(sku=self.sku)
        tag.products.remove(product)  # error: RDJ105

    # the async twins aadd()/aset()/acreate() are fine
    async def tag_product_async(self, tag_id: int):
        product = await Product.objects.aget(sku=self.sku)
        await product.tags.aadd(tag_id)  # ok
        await product.tags.aset([tag_id])  # ok

    # a bound add() handed to sync_to_async runs in a worker thread
    async def tag_in_thread(self, tag_id: int):
        product = await Product.objects.aget(sku=self.sku)
        await sync_to_async(product.tags.add)(tag_id)  # ok

    # filter() on a related manager only builds a QuerySet
    async def count_lines(self, order_id: int):
        order = await Order.objects.aget(pk=order_id)
        self.count = await order.items.filter(quantity__gt=1).acount()  # ok

    # add() on a Python set attribute named `items` is not Django's
    async def add_to_cart(self):
        cart = Cart()
        cart.items.add(self.sku)  # ok
        self.count = len(cart.items)
