"""Sets Django up for the state modules: import it before any models."""

from reflex_django import configure_django

configure_django()

SITE_NAME = "Shop"
