"""RDJ401 models-imported-before-setup: module-level imports of a Django models
module in a module that defines Reflex states (more cases in `rdj401/`:
pages, rxconfig.py, reflex_django models, set-up modules, and modules
Reflex does not load at start-up)."""

import reflex as rx

# names imported from a models module of the workspace
from app.models import Product  # error: RDJ401

# the models module itself, under an alias
import app.models as app_models  # error: RDJ401

# `models` imported as a member of its package
from app import models  # error: RDJ401

# Django's own contrib models need the app registry too
from django.contrib.auth.models import User  # error: RDJ401

# django.db.models is the field library, not an app's models
from django.db.models import Count, Q  # ok

from reflex_django import configure_django

configure_django()

# after configure_django() the app registry is ready
from app.models import Order  # ok


class ProductListState(rx.State):
    names: list[str] = []
    count: int = 0

    async def load(self):
        # an import inside a function runs when the handler runs, after start-up
        from app.models import Customer  # ok

        self.names = [p.name async for p in Product.objects.filter(Q(stock__gt=0))]
        self.count = await Customer.objects.acount() + await Order.objects.acount()
        stats = await Product.objects.aaggregate(n=Count("id"))
        self.count += stats["n"] + await app_models.Tag.objects.acount() + await models.Tag.objects.acount()
        self.count += await User.objects.acount()
