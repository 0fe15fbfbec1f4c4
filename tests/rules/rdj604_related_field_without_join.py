"""RDJ604 related-field-without-join: `fields` / `search_fields` reaching
through a relation that `queryset_select_related` / `queryset_prefetch` do
not cover (one query per row)."""

from reflex_django import configure_django
from reflex_django.states import ModelState

configure_django()  # Django is set up before the models are imported (RDJ401)

from app.models import Category, Order, OrderItem, Product


class OrderAdminState(ModelState):
    model = Order
    fields = [
        "status",
        # the customer is loaded once per row
        "customer__name",  # error: RDJ604
    ]


class CategoryAdminState(ModelState):
    model = Category
    # a many-valued reverse relation (`products`) that nothing prefetches
    fields = ["name", "products__name"]  # error: RDJ604


class OrderItemAdminState(ModelState):
    model = OrderItem
    # `order` is joined, `product` is not
    fields = ["quantity", "order__status", "product__name"]  # error: RDJ604
    queryset_select_related = ("order",)


class JoinedOrderState(ModelState):
    model = Order
    # covered by queryset_select_related
    fields = ["status", "customer__name"]  # ok
    queryset_select_related = ("customer",)


class TaggedProductState(ModelState):
    model = Product
    # a many-valued relation covered by queryset_prefetch
    fields = ["name", "tags__name"]  # ok
    queryset_prefetch = ("tags",)


class CategoryTreeState(ModelState):
    model = Category
    # a longer select_related path covers its first step
    fields = ["name", "parent__name"]  # ok
    queryset_select_related = ("parent__parent",)
