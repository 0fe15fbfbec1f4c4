from reflex_django import configure_django

configure_django()

import reflex as rx  # noqa: E402

from bootfront.state import BootStockState  # noqa: E402
from bootfront.pages import stock_page  # noqa: E402

app = rx.App()
app.add_page(stock_page, route="/")
app.add_page(lambda: rx.text(BootStockState.count), route="/count")
