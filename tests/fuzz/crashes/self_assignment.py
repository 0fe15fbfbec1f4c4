import reflex as rx

total = total
lines = lines


async def handler():
    return total
