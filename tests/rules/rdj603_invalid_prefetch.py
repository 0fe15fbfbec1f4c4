"""RDJ603 invalid-prefetch: a ModelState's `queryset_prefetch` naming
something that is not a relation of the model."""

from reflex_django import configure_django
from reflex_django.states import ModelState

configure_django()  # Django is set up before the models are imported (RDJ401)

from app.models import Category, Customer, Order, Product


class OrderAdminState(ModelState):
    model = Order
    fields = ["status", "note"]
    # `note` is a TextField, not a relation
    queryset_prefetch = ("items", "note")  # error: RDJ603


class ProductAdminState(ModelState):
    model = Product
    fields = ["name", "price"]
    # a name the model does not have at all
    queryset_prefetch = ("tag",)  # error: RDJ603


class CustomerAdminState(ModelState):
    model = Customer
    fields = ["name", "email"]

    class Meta:
        # `email` in the inner Meta: a plain column
        queryset_prefetch = ("order_set", "email")  # error: RDJ603


class CategoryAdminState(ModelState):
    model = Category
    fields = ["name"]
    # a reverse ForeignKey (`related_name="children"`) and its nested path
    queryset_prefetch = ("children", "products__tags")  # ok


class TaggedProductState(ModelState):
    model = Product
    fields = ["name"]
    # a ManyToMany, and a forward ForeignKey (prefetch works for those too)
    queryset_prefetch = ("tags", "category")  # ok


class CustomerOrdersState(ModelState):
    model = Customer
    fields = ["name"]
    # the default reverse accessor `order_set`, and a reverse one-to-one
    queryset_prefetch = ("order_set", "profile")  # ok
