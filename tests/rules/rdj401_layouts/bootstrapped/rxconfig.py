"""No plugin: the app module sets Django up before it imports its states."""

import reflex as rx

config = rx.Config(app_name="bootfront")
