"""Sign-in sessions and CSRF protection of the admin web UI.

* The session cookie holds a random token (HttpOnly, SameSite=Strict, Path=/ui, Secure when
  the request came over TLS or the public URL is https); the database holds its SHA-256
  (gateway.db.repos.admin_users).
* Every state-changing request (POST) carries a ``csrf_token`` form field. Signed in, it must
  equal the token bound to the session row (synchroniser token); on the sign-in form, where
  there is no session yet, it must equal the ``gw_ui_csrf`` cookie (double submit).
  Compared in constant time. SameSite=Strict is a second line, not the only one.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from multidict import MultiMapping
from yarl import URL

from gateway.api import keys
from gateway.api.http import database, now
from gateway.db.repos import admin_users
from gateway.db.tables.admin import AdminSession, AdminUser
from gateway.errors import Forbidden

SESSION_COOKIE = "gw_ui_session"
CSRF_COOKIE = "gw_ui_csrf"
CSRF_FIELD = "csrf_token"
COOKIE_PATH = "/ui"
PUBLIC_PATHS = frozenset({"/ui/sign-in", "/ui/static/admin.css", "/ui/static/identifiers.js"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

UI_USER = web.RequestKey("ui_user", AdminUser)
UI_SESSION = web.RequestKey("ui_session", AdminSession)
PRE_SESSION_CSRF = web.RequestKey("ui_pre_session_csrf", str)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
FormData = MultiMapping[Any]
"""A posted form or a query string."""


def current_user(request: web.Request) -> AdminUser | None:
    user: AdminUser | None = request.get(UI_USER, None)
    return user


def current_csrf_token(request: web.Request) -> str:
    if UI_SESSION in request:
        return request[UI_SESSION].csrf_token
    return pre_session_csrf(request)


def pre_session_csrf(request: web.Request) -> str:
    """The double-submit token of the sign-in form: the cookie's, or a new one."""
    if PRE_SESSION_CSRF not in request:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        valid = 32 <= len(cookie) <= 128 and cookie.isalnum()
        request[PRE_SESSION_CSRF] = cookie if valid else secrets.token_hex(32)
    token: str = request[PRE_SESSION_CSRF]
    return token


def is_secure(request: web.Request) -> bool:
    return request.secure or request.config_dict[keys.SETTINGS].served_over_https


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str,
               *, max_age: int | None = None) -> None:
    response.set_cookie(name, value, path=COOKIE_PATH, httponly=True, samesite="Strict",
                        secure=is_secure(request), max_age=max_age)


def tokens_match(sent: str, expected: str) -> bool:
    return bool(sent) and hmac.compare_digest(sent.encode(), expected.encode())


async def form_data(request: web.Request) -> MultiMapping[Any]:
    """The posted form (cached by aiohttp, so the handler reads the same one)."""
    return await request.post()


async def check_csrf(request: web.Request, expected: str) -> None:
    form = await form_data(request)
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not tokens_match(sent, expected):
        raise Forbidden("the form's security token is missing or stale: reload the page and "
                        "submit the form again")


@web.middleware
async def session_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path in PUBLIC_PATHS:
        if request.method not in SAFE_METHODS:
            await check_csrf(request, pre_session_csrf(request))
        return await handler(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    async with database(request).read() as session:
        found = await admin_users.find_session(session, token, now=now(request))
    if found is None:
        target = "/ui/sign-in"
        if request.method in SAFE_METHODS and request.path != "/ui/":
            target += "?" + URL.build(query={"next": request.path_qs}).query_string
        return web.Response(status=303, headers={"Location": target})
    request[UI_SESSION], request[UI_USER] = found
    request[keys.ACTOR] = f"admin-ui:{found[1].username}"
    if request.method not in SAFE_METHODS:
        await check_csrf(request, found[0].csrf_token)
    return await handler(request)
