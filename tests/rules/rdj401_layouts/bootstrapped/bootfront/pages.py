import reflex as rx

# imported only by the app module, after it set Django up
from app.models import Product  # ok


@rx.page(route="/stock")
def stock_page() -> rx.Component:
    return rx.text(Product._meta.verbose_name)
