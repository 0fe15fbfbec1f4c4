"""RDJ106 blocking-django-api: Django shortcuts, auth functions, user-manager
and permission methods, lazy `request.user` and session persistence that
query the database, called in async code (async views and Reflex states)."""

import reflex as rx
from asgiref.sync import sync_to_async
from django.contrib.auth import aauthenticate, alogin, authenticate, login
from django.http import HttpResponseForbidden, JsonResponse
from django.shortcuts import aget_object_or_404, get_object_or_404
from reflex_django import AppState, configure_django

configure_django()  # Django is set up before the models are imported (RDJ401)

from django.contrib.auth.models import User

from app.models import Order


def get_from_cache(cache: dict, key: str):
    """A local helper with a shortcut-like name; no database."""
    return cache.get(key)


# get_object_or_404() runs a query
async def order_detail(request, pk: int):
    order = get_object_or_404(Order, pk=pk)  # error: RDJ106
    return JsonResponse({"status": order.status})


# request.user is a lazy object: its first attribute read queries session and user
async def staff_dashboard(request):
    if not request.user.is_staff:  # error: RDJ106
        return HttpResponseForbidden()
    return JsonResponse({"ok": True})


# authenticate() and login() query (and write) synchronously
async def login_view(request):
    user = authenticate(request, username=request.POST["username"], password=request.POST["password"])  # error: RDJ106
    if user is not None:
        login(request, user)  # error: RDJ106
    return JsonResponse({"ok": user is not None})


# saving the session writes to the session store
async def remember_currency(request):
    request.session["currency"] = "EUR"
    request.session.save()  # error: RDJ106
    return JsonResponse({"currency": "EUR"})


# the user manager's create_user() inserts a row
async def register(request):
    user = User.objects.create_user(request.POST["username"], password=request.POST["password"])  # error: RDJ106
    return JsonResponse({"id": user.pk})


# a user's has_perm() loads the user's and groups' permissions
async def can_edit(request, username: str):
    user = await User.objects.aget(username=username)
    return JsonResponse({"edit": user.has_perm("app.change_order")})  # error: RDJ106


# the async twins (Django 5.0+) are fine
async def order_detail_async(request, pk: int):
    order = await aget_object_or_404(Order, pk=pk)  # ok
    return JsonResponse({"status": order.status})


# `await request.auser()` resolves the user asynchronously; reading it afterwards is fine
async def staff_dashboard_async(request):
    user = await request.auser()  # ok
    if not user.is_staff:  # ok
        return HttpResponseForbidden()
    return JsonResponse({"ok": True})


# aauthenticate()/alogin(), and authenticate() run by sync_to_async in a worker thread
async def login_view_async(request):
    user = await aauthenticate(request, username=request.POST["username"], password=request.POST["password"])  # ok
    if user is not None:
        await alogin(request, user)  # ok
    other = await sync_to_async(authenticate)(request, username="guest", password="guest")  # ok
    return JsonResponse({"ok": user is not None, "guest": other is not None})


# a workspace helper with a shortcut-like name is not Django's
async def cached_order(request):
    return JsonResponse({"order": get_from_cache({"1": "new"}, "1")})  # ok


class AccountState(AppState):
    username: str = ""
    is_staff: bool = False

    # reflex-django's self.request.user is resolved by its event bridge before the handler
    async def load_account(self):
        self.username = self.request.user.username  # ok
        self.is_staff = self.request.user.is_staff  # ok


class PreferencesState(AppState):
    """reflex-django's `self.session` is a `SessionProxy`: each key set or
    deleted through it saves the session with the sync `session.save()`."""

    theme: str = ""

    # setting a key saves the session on the event loop
    async def remember_theme(self, theme: str):
        self.session["theme"] = theme  # error: RDJ106

    # deleting one too
    async def forget_theme(self):
        del self.session["theme"]  # error: RDJ106

    # the proxy's own sync save()
    async def save_now(self):
        self.session.save()  # error: RDJ106

    # reading a key loads nothing: the bridge loaded the session already
    async def load_theme(self):
        self.theme = self.session.get("theme", "")  # ok

    # the async form: change the request's session, then save it once
    async def remember_theme_async(self, theme: str):
        self.request.session["theme"] = theme  # ok
        await self.session.asave()  # ok


class PlainSessionState(rx.State):
    """A plain Reflex state with its own `session` var: no proxy."""

    session: dict[str, str] = {}

    async def remember(self, theme: str):
        self.session["theme"] = theme  # ok


# django-constance without its database backend (this workspace's settings
# choose none; the default is Redis): reading a setting runs no ORM query.
from constance import config  # noqa: E402


async def sale_banner():
    if config.SALE_OPEN:  # ok
        return f"Sale at {config.SITE_NAME}"  # ok
    return ""
