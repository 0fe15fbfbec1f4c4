"""Minimal stand-in for `reflex`, used only by the runtime oracle.

The oracle never imports the real Reflex.  What matters for the oracle is
*where* an event handler runs: Reflex awaits `async def` handlers on the
event loop and calls plain `def` handlers directly on the event-loop thread
(no executor), so a sync handler doing ORM work raises Django's
SynchronousOnlyOperation.  The harness reproduces exactly that; this module
only has to make `class S(rx.State)` and `@rx.event` importable.
"""


class Base:
    """Stand-in for rx.Base (a plain attribute container)."""

    def __init__(self, **kwargs):
        for key, value in kwargs.items():
            setattr(self, key, value)


class State(Base):
    """Stand-in for rx.State: no metaclass magic, no vars machinery."""


def _identity_decorator(fn=None, **_options):
    if fn is None:
        return lambda f: f
    return fn


# @rx.event, @rx.event(background=True), @rx.var, @rx.var(cache=True)
event = _identity_decorator
var = _identity_decorator
background = _identity_decorator


def Field(default=None, **_options):  # noqa: N802 - mirrors rx.Field
    return default


class Component:  # pages are not executed by the oracle
    pass


def text(*children, **props):
    return Component()


__all__ = ["Base", "State", "event", "var", "background", "Field", "Component", "text"]
