"""RDJ301 model-in-state-annotation: a public state var whose type mentions a
Django model or QuerySet."""

from dataclasses import dataclass
from typing import Any, ClassVar, Optional

import reflex as rx
from django.db.models import QuerySet
from reflex_django import AppState, configure_django

configure_django()  # Django is set up before the models are imported (RDJ401)

from app.models import Customer, Order, Product
from reviews.models import Review


class CatalogState(rx.State):
    # a model instance, optional
    selected: Product | None = None  # error: RDJ301
    # a list of model instances
    products: list[Product] = []  # error: RDJ301
    # a model as a dict value, via typing.Optional
    by_email: dict[str, Optional[Customer]] = {}  # error: RDJ301
    # a QuerySet
    open_orders: QuerySet[Order] = None  # error: RDJ301
    # a string annotation naming a reflex_django Model subclass
    reviews: "list[Review]" = []  # error: RDJ301

    # a backend var (`_name`) never leaves the server
    _selected: Product | None = None  # ok
    # ClassVar is not a state var
    model: ClassVar[type[Product]] = Product  # ok
    # plain data built from the model
    selected_row: dict[str, Any] = {}  # ok
    product_names: list[str] = []  # ok


class AccountState(AppState):
    # reflex-django's AppState is a state too
    customer: Customer | None = None  # error: RDJ301
    # the model's primary key is plain data
    customer_id: int | None = None  # ok


@dataclass
class OrderRow:
    """Not a state: a server-side helper that may hold model instances."""

    order: Order  # ok
