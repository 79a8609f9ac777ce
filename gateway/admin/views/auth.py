"""Sign-in and sign-out of the admin web UI."""

from __future__ import annotations

from aiohttp import web

from gateway.admin import forms
from gateway.admin.render import redirect, render
from gateway.admin.session import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    form_data,
    pre_session_csrf,
    set_cookie,
)
from gateway.api.http import database, now
from gateway.db.repos import admin_users
from gateway.errors import Unauthorized

HOME = "/ui/documents"


def safe_next(target: str) -> str:
    """Only a path inside the UI (no open redirect to another site)."""
    if target.startswith("/ui/") and not target.startswith(("//", "/ui//")) \
            and "\\" not in target and len(target) <= 2000:
        return target
    return HOME


def _sign_in_page(request: web.Request, *, status: int = 200, error: str | None = None,
                  username: str = "", next_path: str = HOME) -> web.Response:
    response = render(request, "sign_in.html", status=status, context={
        "error": error, "form": {"username": username, "next": next_path}})
    set_cookie(request, response, CSRF_COOKIE, pre_session_csrf(request))
    return response


async def sign_in_form(request: web.Request) -> web.Response:
    return _sign_in_page(request, next_path=safe_next(request.query.get("next", HOME)))


async def sign_in(request: web.Request) -> web.Response:
    form = await form_data(request)
    errors: forms.FieldErrors = {}
    username = forms.text(form, "username", errors, required=True, max_length=64)
    password = forms.text(form, "password", errors, required=True, max_length=1024)
    next_path = safe_next(forms.text(form, "next", errors, max_length=2000))
    if errors:
        return _sign_in_page(request, status=400, error="enter your username and password",
                             username=username, next_path=next_path)
    try:
        async with database(request).transaction() as session:
            signed_in = await admin_users.sign_in(session, username=username,
                                                  password=password, now=now(request))
    except Unauthorized as exc:
        return _sign_in_page(request, status=401, error=exc.message, username=username,
                             next_path=next_path)
    response = redirect(next_path)
    lifetime = signed_in.session.expires_at - signed_in.session.created_at
    set_cookie(request, response, SESSION_COOKIE, signed_in.token,
               max_age=int(lifetime.total_seconds()))
    response.del_cookie(CSRF_COOKIE, path="/ui")
    return response


async def sign_out(request: web.Request) -> web.Response:
    async with database(request).transaction() as session:
        await admin_users.sign_out(session, request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/ui/sign-in")
    response.del_cookie(SESSION_COOKIE, path="/ui")
    return response


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/sign-in", sign_in_form)
    router.add_post("/sign-in", sign_in)
    router.add_post("/sign-out", sign_out)
