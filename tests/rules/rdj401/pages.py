"""A page module (`@rx.page`): Reflex imports it while compiling the app."""

import reflex as rx

# a page module importing models before Django is set up
from app.models import Product  # error: RDJ401


@rx.page(route="/products")
def products() -> rx.Component:
    return rx.text(f"{Product._meta.verbose_name_plural}")
