"""Jinja2 templates with autoescaping on for every template (XSS: every value is escaped).

Templates live in gateway/admin/templates; StrictUndefined turns a missing variable into an
error in tests instead of an empty string on the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
UI_PREFIX = "/ui"

TEMPLATES = web.AppKey("ui_templates", jinja2.Environment)


def new_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = format_time
    env.globals["ui"] = UI_PREFIX
    return env


def format_time(value: datetime | None) -> str:
    """UTC, to the second: what an operator compares with logs."""
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def render(
    request: web.Request, template: str, *, status: int = 200,
    context: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
) -> web.Response:
    from gateway.admin.session import current_csrf_token, current_user

    env = request.config_dict[TEMPLATES]
    user = current_user(request)
    values: dict[str, Any] = {"user": user, "csrf_token": current_csrf_token(request), "errors": {},
              "form": {}, "notice": None, "request_path": request.path}
    values.update(context or {})
    body = env.get_template(template).render(values)
    return web.Response(status=status, text=body, content_type="text/html", charset="utf-8",
                        headers=dict(headers or {}))


def redirect(location: str) -> web.Response:
    """Post/redirect/get: every successful form answers 303 to the page showing the result.

    A returned response (not a raised HTTPSeeOther) so the middlewares add their headers."""
    return web.Response(status=303, headers={"Location": location})
