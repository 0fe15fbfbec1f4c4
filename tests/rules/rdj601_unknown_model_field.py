"""RDJ601 unknown-model-field: a ModelState option (`fields`, `search_fields`,
`ordering`, `read_only_fields`, `state_fields`, `exclude_from_row`, as a class
attribute or in the inner `Meta`) naming a field its model lacks."""

from reflex_django import configure_django
from reflex_django.states import ModelState

configure_django()  # Django is set up before the models are imported (RDJ401)

from app.models import Customer, Order, Product


class ProductAdminState(ModelState):
    model = Product
    fields = [
        "name",  # ok
        "sku",  # ok
        # a field the model does not have
        "shipped_at",  # error: RDJ601
    ]
    # a typo in search_fields
    search_fields = ("nmae", "sku")  # error: RDJ601
    # the implicit `id` primary key is a field
    read_only_fields = ("id",)  # ok
    queryset_select_related = ("category",)

    class Meta:
        # `-created`: Product has no `created` field
        ordering = ("-created", "name")  # error: RDJ601
        # a typo in Meta.exclude_from_row
        exclude_from_row = ("descripton",)  # error: RDJ601


class OrderAdminState(ModelState[Order]):
    """The model given as the generic argument instead of `model = ...`."""

    fields = ["status", "note"]  # ok
    # `-pk` and a relation path whose first step is a field
    ordering = ("-pk", "customer__name")  # ok
    # a state field that is not on the model
    state_fields = ("status", "total")  # error: RDJ601
    queryset_select_related = ("customer",)


class CustomerAdminState(ModelState):
    model = Customer
    fields = ["name", "email"]
    # every name is a field
    search_fields = ("email", "name")  # ok
    # random ordering
    ordering = ("?",)  # ok


class CustomerSearchState(ModelState):
    model = Customer
    fields = ["name", "email"]
    # reflex-django 4.0.3 puts search names verbatim into
    # `Q(**{f"{field}__icontains": q})`, so Django-admin style prefixes raise
    # FieldError ("Cannot resolve keyword '=email'").
    search_fields = ("=email", "^name")  # error: RDJ601


class CustomerOrdersState(ModelState):
    model = Customer
    fields = ["name"]
    # A lookup path goes through a reverse relation by its query name: `order`
    # for `Order.customer` (whose accessor is `order_set`), `Q(order__note__icontains=q)`.
    search_fields = ("order__note",)  # ok
    # With a `related_name`, the query name is the related name.
    ordering = ("profile__customer",)  # ok


class CustomerOrderNotesState(ModelState):
    model = Customer
    fields = ["name"]
    # The accessor is not the query name: `Q(order_set__note__icontains=q)`
    # raises FieldError ("Cannot resolve keyword 'order_set' into field").
    search_fields = ("order_set__note",)  # error: RDJ601
