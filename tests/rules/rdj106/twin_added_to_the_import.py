"""RDJ106's fix imports the async twin into the parenthesised import of the
sync one, sorted, with the comments of that import kept on their lines."""

from django.http import JsonResponse
from django.shortcuts import (  # shortcuts
    get_object_or_404,  # the sync one
)  # helper
from reflex_django import configure_django

configure_django()  # Django is set up before the models are imported (RDJ401)

from app.models import Order  # noqa: E402


# the fix calls `aget_object_or_404`, imported next to `get_object_or_404`
async def order_status(request, pk: int):
    order = get_object_or_404(Order, pk=pk)  # error: RDJ106
    return JsonResponse({"status": order.status})


# a sync view may call the sync shortcut
def order_status_sync(request, pk: int):
    order = get_object_or_404(Order, pk=pk)  # ok
    return JsonResponse({"status": order.status})
