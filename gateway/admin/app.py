"""The admin web UI as an aiohttp sub-app, mounted by gateway.app.create_app at /ui.

Middlewares, outermost first:

    html_errors       every error is an HTML page with its status (never a traceback); a
                      GatewayError keeps its status (404 for a bad id, 400 for bad input)
    security_headers  CSP allowing only this origin (no inline script or style), no framing,
                      no caching of pages (they show partner data and API keys)
    session_auth      sign-in required except for the sign-in page and the static files;
                      CSRF token checked on every POST (gateway.admin.session)
"""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

from gateway.admin.render import TEMPLATES, UI_PREFIX, new_environment, redirect, render
from gateway.admin.session import Handler, session_auth
from gateway.admin.views import auth, documents, partners, test_exchange
from gateway.api import keys
from gateway.errors import GatewayError

_log = logging.getLogger(__name__)
__all__ = ["UI_PREFIX", "create_ui_app"]
STATIC_DIR = Path(__file__).resolve().parent / "static"
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; "
                           "script-src 'self'; connect-src 'self'; form-action 'self'; "
                           "frame-ancestors 'none'; base-uri 'none'")
STATIC_FILES = {"admin.css": "text/css; charset=utf-8",
                "identifiers.js": "text/javascript; charset=utf-8"}


@web.middleware
async def html_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except GatewayError as exc:
        return _error_page(request, exc.http_status, exc.message)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = exc.text if exc.status not in (404, 405) else None
        return _error_page(request, exc.status, message or exc.reason)
    except Exception:
        rid = request.get(keys.REQUEST_ID)
        _log.exception("UI request %s %s %s failed", rid, request.method, request.path)
        return _error_page(request, 500, f"the page could not be shown; quote request id {rid}")


def _error_page(request: web.Request, status: int, message: str) -> web.Response:
    return render(request, "error.html", status=status,
                  context={"status": status, "message": message})


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if not request.path.startswith("/ui/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


async def _static(request: web.Request) -> web.FileResponse:
    name = request.match_info["name"]
    media_type = STATIC_FILES.get(name)
    if media_type is None:
        raise web.HTTPNotFound()
    return web.FileResponse(STATIC_DIR / name, headers={
        "Cache-Control": "public, max-age=3600", "Content-Type": media_type})


async def _home(request: web.Request) -> web.StreamResponse:
    return redirect("/ui/documents")


def create_ui_app() -> web.Application:
    ui = web.Application(middlewares=[html_errors, security_headers, session_auth])
    ui[TEMPLATES] = new_environment()
    router = ui.router
    router.add_get("/", _home)
    router.add_get("/static/{name}", _static)
    auth.add_routes(router)
    partners.add_routes(router)
    documents.add_routes(router)
    test_exchange.add_routes(router)
    return ui
