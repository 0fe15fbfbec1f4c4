"""reflex-django's plugin: its `.pth` hook sets Django up inside Reflex's
`get_config()`, before Reflex imports the app module — but after this file."""

import reflex as rx
from reflex_django.plugins import ReflexDjangoPlugin

# rxconfig.py itself runs before the plugin's hook
from app.models import Product  # error: RDJ401

config = rx.Config(
    app_name="pluginfront",
    plugins=[ReflexDjangoPlugin(settings_module="shop_project.settings")],
)
STOCKED = Product
