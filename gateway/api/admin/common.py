"""Helpers of the admin handlers: idempotent JSON writes, wakeups."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from gateway.api import keys
from gateway.api.http import MAX_ADMIN_JSON_BYTES, read_body
from gateway.api.idempotent import run_idempotent
from gateway.errors import InputError
from gateway.jsonio import load_json

ADMIN_SCOPE = "admin"
PREFIX = "/admin/v1"
JsonWork = Callable[[dict[str, Any]], Awaitable[web.Response]]


async def json_write(request: web.Request, work: JsonWork, *, body_required: bool = True
                     ) -> web.Response:
    """Read the JSON object body and run `work` on it once per Idempotency-Key."""
    raw = await read_body(request, MAX_ADMIN_JSON_BYTES)
    if raw.strip():
        value = load_json(raw, max_bytes=MAX_ADMIN_JSON_BYTES)
        if not isinstance(value, dict):
            raise InputError("the request body must be a JSON object")
    elif body_required:
        raise InputError("the request body must be a JSON object; it is empty")
    else:
        value = {}
    body: dict[str, Any] = value

    async def run() -> web.Response:
        return await work(body)

    return await run_idempotent(request, scope=ADMIN_SCOPE, body=raw, work=run)


def wake_outbox(request: web.Request) -> None:
    request.config_dict[keys.OUTBOX_WAKEUP].set()


def wake_webhooks(request: web.Request) -> None:
    request.config_dict[keys.WEBHOOK_WAKEUP].set()
