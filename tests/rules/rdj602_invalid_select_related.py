"""RDJ602 invalid-select-related: a ModelState's `queryset_select_related`
naming something that is not a single-valued relation (Django raises
`FieldError` when the query runs)."""

from reflex_django import configure_django
from reflex_django.states import ModelState

configure_django()  # Django is set up before the models are imported (RDJ401)

from app.models import Category, Customer, Order, OrderItem, Product


class OrderAdminState(ModelState):
    model = Order
    fields = ["status", "customer__name"]
    # `items` is a reverse ForeignKey (many-valued): prefetch it instead
    queryset_select_related = ("customer", "items")  # error: RDJ602
    queryset_prefetch = ("items",)


class ProductAdminState(ModelState):
    model = Product
    fields = ["name", "category__name"]
    # `tags` is a ManyToMany
    queryset_select_related = ("category", "tags")  # error: RDJ602


class CategoryAdminState(ModelState):
    model = Category
    fields = ["name", "parent__name"]
    # `name` is a plain column, not a relation
    queryset_select_related = ("parent", "name")  # error: RDJ602


class OrderItemAdminState(ModelState):
    model = OrderItem
    fields = ["quantity", "product__name"]
    # the second step `order__items` is many-valued
    queryset_select_related = ("product", "order__items")  # error: RDJ602


class ItemWithCustomerState(ModelState):
    model = OrderItem
    fields = ["quantity", "order__customer__name"]
    # forward ForeignKeys, followed two steps deep
    queryset_select_related = ("order__customer",)  # ok


class CustomerAdminState(ModelState):
    model = Customer
    fields = ["name", "profile__bio"]
    # a reverse one-to-one is single-valued and may be select_related
    queryset_select_related = ("profile",)  # ok


class CategoryTreeState(ModelState):
    model = Category
    fields = ["name", "parent__name"]
    # a nullable self ForeignKey, two levels up
    queryset_select_related = ("parent__parent",)  # ok
