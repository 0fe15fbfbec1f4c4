"""A package whose `__init__.py` sets Django up: Python runs it before any of
its modules."""

from reflex_django import configure_django

configure_django()
