"""Small request and response helpers shared by the handlers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from aiohttp import web

from gateway.api import keys
from gateway.db.database import Database
from gateway.db.repos._common import MAX_PAGE
from gateway.errors import InputError, PayloadTooLarge
from gateway.jsonio import dump_json, load_json

T = TypeVar("T")
MAX_ADMIN_JSON_BYTES = 1024 * 1024
DEFAULT_PAGE = 50


def json_response(
    data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status, body=dump_json(data, indent=None).encode("utf-8"),
        content_type="application/json", headers=dict(headers or {}),
    )


def database(request: web.Request) -> Database:
    return request.config_dict[keys.DATABASE]


def now(request: web.Request) -> datetime:
    return request.config_dict[keys.OPTIONS].clock()


def max_document_bytes(request: web.Request) -> int:
    """The size limit of a submitted document (GATEWAY_MAX_DOCUMENT_BYTES)."""
    return request.config_dict[keys.SETTINGS].max_document_bytes


def actor(request: web.Request) -> str:
    return request[keys.ACTOR]


def partner_id(request: web.Request) -> str:
    """The authenticated partner of a partner-API request (its tenant boundary)."""
    return request[keys.PRINCIPAL].partner.id


async def read_body(request: web.Request, limit: int) -> bytes:
    """The request body, refused with 413 beyond `limit` bytes (checked before reading)."""
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(
            f"request body is {request.content_length} bytes; the limit is {limit} bytes"
        )
    body = await request.read()
    if len(body) > limit:
        raise PayloadTooLarge(f"request body exceeds the limit of {limit} bytes")
    return body


async def read_json_object(
    request: web.Request, limit: int = MAX_ADMIN_JSON_BYTES
) -> dict[str, Any]:
    body = await read_body(request, limit)
    if not body.strip():
        raise InputError("the request body must be a JSON object; it is empty")
    value = load_json(body, max_bytes=limit)
    if not isinstance(value, dict):
        raise InputError("the request body must be a JSON object")
    return value


def field_value(body: Mapping[str, Any], name: str, kind: type[T], *, required: bool = True,
                default: T | None = None) -> T | None:
    """`body[name]` if it has type `kind`; InputError naming the field otherwise."""
    if name not in body or body[name] is None:
        if required:
            raise InputError(f"field {name!r} is required")
        return default
    value = body[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InputError(f"field {name!r} must be a {_kind_name(kind)}")
    return value


def required_text(body: Mapping[str, Any], name: str) -> str:
    value = field_value(body, name, str)
    assert value is not None
    if not value.strip():
        raise InputError(f"field {name!r} must not be empty")
    return value


def text_list(body: Mapping[str, Any], name: str, *, required: bool = True) -> list[str]:
    value = field_value(body, name, list, required=required, default=[])
    items = list(value or [])
    if not all(isinstance(item, str) for item in items):
        raise InputError(f"field {name!r} must be a list of strings")
    return items


def _kind_name(kind: type) -> str:
    return {str: "string", int: "integer", bool: "boolean", list: "list", dict: "JSON object"}.get(
        kind, kind.__name__
    )


def query_text(request: web.Request, name: str) -> str | None:
    value = request.query.get(name)
    return value if value else None


def query_choice(request: web.Request, name: str, choices: Iterable[str]) -> str | None:
    """An optional query parameter that must be one of `choices`."""
    value = query_text(request, name)
    allowed = tuple(choices)
    if value is not None and value not in allowed:
        raise InputError(f"query parameter {name!r} must be one of {', '.join(allowed)}; "
                         f"got {value!r}")
    return value


def query_bool(request: web.Request, name: str) -> bool:
    value = request.query.get(name, "false").lower()
    if value not in {"true", "false", "1", "0"}:
        raise InputError(f"query parameter {name!r} must be true or false")
    return value in {"true", "1"}


def query_limit(request: web.Request, default: int = DEFAULT_PAGE) -> int:
    raw = request.query.get("limit")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"query parameter 'limit' must be an integer, got {raw!r}") from None
    if not 1 <= value <= MAX_PAGE:
        raise InputError(f"query parameter 'limit' must be between 1 and {MAX_PAGE}")
    return value


def page(items: Sequence[T], limit: int, view: Callable[[T], dict[str, Any]],
         cursor: Callable[[T], str]) -> dict[str, Any]:
    """A keyset page: next_cursor is the last item's id when the page is full."""
    return {
        "items": [view(item) for item in items],
        "next_cursor": cursor(items[-1]) if len(items) == limit and items else None,
    }


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
