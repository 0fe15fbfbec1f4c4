"""The plugin is imported but not listed: nothing sets Django up."""

import reflex as rx
from reflex_django.plugins import ReflexDjangoPlugin  # noqa: F401

config = rx.Config(app_name="unusedfront", plugins=[])
