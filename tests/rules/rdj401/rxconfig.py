"""rxconfig.py is the first module Reflex imports."""

import reflex as rx

# a models import in rxconfig.py, before the plugin has set Django up
from app.models import Product  # error: RDJ401

config = rx.Config(app_name="shop", frontend_path=f"/{Product._meta.app_label}")
