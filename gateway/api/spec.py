"""Route specifications: one declaration drives both the router and the OpenAPI document.

Each handler module lists its `Operation`s; gateway.app registers exactly those routes and
gateway.api.openapi describes exactly those operations, so the two cannot drift (a test
checks both directions against the live router).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Schema = dict[str, Any]

JSON = "application/json"
XML = "application/xml"


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def page_of(name: str) -> Schema:
    return {
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": ref(name)},
            "next_cursor": {"type": ["string", "null"],
                            "description": "Pass as `after` for the next page; null at the end."},
        },
    }


def list_of(name: str) -> Schema:
    return {"type": "object", "required": ["items"],
            "properties": {"items": {"type": "array", "items": ref(name)}}}


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    description: str
    schema: Schema = field(default_factory=lambda: {"type": "string"})
    required: bool = False
    location: str = "query"
    """query or header."""


@dataclass(frozen=True, slots=True)
class Body:
    content: Mapping[str, Schema]
    """Media type → schema."""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    description: str
    content: Mapping[str, Schema] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    """Response header name → description."""


def json_reply(description: str, schema: Schema, **headers: str) -> Reply:
    return Reply(description, {JSON: schema}, headers)


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    """Relative to the API's prefix; path parameters as {name}."""
    handler: Handler
    operation_id: str
    summary: str
    tag: str
    replies: Mapping[int, Reply]
    query: tuple[Param, ...] = ()
    body: Body | None = None
    errors: tuple[int, ...] = ()
    """Problem statuses besides the ones every operation of its API can answer."""
    idempotent: bool = False
    """Honours the Idempotency-Key header."""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Api:
    name: str
    prefix: str
    security: str | None
    """The OpenAPI security scheme name, None for public operations."""
    operations: tuple[Operation, ...]

    def full_path(self, operation: Operation) -> str:
        return self.prefix + operation.path


PAGINATION = (
    Param("after", "Cursor: the next_cursor of the previous page."),
    Param("limit", "Page size (1-500).", {"type": "integer", "minimum": 1, "maximum": 500}),
)
