"""Bootstrapping through a submodule import, and helper modules that only
happen to be called `models`."""

import reflex as rx
from django.forms.models import model_to_dict  # ok: not an app's models

import rdj401.django_setup  # runs configure_django()

from app.models import Product  # ok


class SubmoduleSetupState(rx.State):
    row: dict = {}

    async def load(self, pk: int):
        self.row = model_to_dict(await Product.objects.aget(pk=pk))
