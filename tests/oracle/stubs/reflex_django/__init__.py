"""Minimal stand-in for the reflex-django plugin, used only by the oracle.

`configure_django()` is a no-op because the harness has already configured
and set up Django before any case module is imported.  `ModelState` and
`AppState` are plain subclasses of the reflex stub `State`: their handlers
are run by the harness exactly like any other `rx.State` handler.
"""
import reflex as rx


def configure_django(*_args, **_kwargs):
    return None


class AppState(rx.State):
    """Stand-in for reflex_django.AppState."""


class ModelState(rx.State):
    """Stand-in for reflex_django.ModelState (CRUD state bound to a model)."""

    model = None
    fields = ()


__all__ = ["configure_django", "AppState", "ModelState"]
