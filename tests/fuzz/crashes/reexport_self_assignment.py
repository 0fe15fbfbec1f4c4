import reflex as rx
from catalog.models import Product

Product = Product


async def load():
    return await Product.objects.acount()
