import reflex as rx
from reflex_django import configure_django

# the app module imports its states before it sets Django up
from unusedfront.state import UnusedPluginStockState

configure_django()

app = rx.App()
app.add_page(lambda: rx.text(UnusedPluginStockState.count), route="/")
