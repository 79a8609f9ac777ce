"""The OpenAPI 3.1 document, built from the same `Api`/`Operation` declarations that the
router registers (gateway.api.spec), so every route is described and every described path
is routed. Served at GET /openapi.json.

Every operation documents its problem responses (application/problem+json with findings):
the ones it declares, plus 401 for authenticated APIs, 400/413/415 for those with a body, and
500. Idempotent writes document the Idempotency-Key header.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from gateway import __version__
from gateway.api.problem import PROBLEM_CONTENT_TYPE, status_title
from gateway.api.schemas import COMPONENTS
from gateway.api.schemas_remittance import REMITTANCE_COMPONENTS
from gateway.api.spec import Api, Operation, Param, Reply, ref

OPENAPI_VERSION = "3.1.0"
_PATH_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
SECURITY_SCHEMES = {
    "partnerKey": {"type": "http", "scheme": "bearer",
                   "description": "A partner API key (gw_<prefix>_...), scoped to one partner."},
    "adminKey": {"type": "http", "scheme": "bearer",
                 "description": "An admin key (GATEWAY_ADMIN_TOKEN); never a partner key."},
}
IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Retry-safe writes: a retry with the same key and request gets the first "
                   "response; the same key with another request is a 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def build_openapi(apis: Sequence[Api], *, server_url: str | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "e-invoicing gateway API",
            "version": __version__,
            "summary": "Partner API (/v1) and admin API (/admin/v1) of the B2B gateway.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "paths": {},
        "components": {"schemas": COMPONENTS | REMITTANCE_COMPONENTS,
                       "securitySchemes": SECURITY_SCHEMES,
                       "responses": _problem_responses(apis)},
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    for api in apis:
        for operation in api.operations:
            item = document["paths"].setdefault(api.full_path(operation), {})
            item[operation.method.lower()] = _operation(api, operation)
    return document


def _operation(api: Api, operation: Operation) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "tags": [operation.tag],
        "parameters": _parameters(api, operation),
        "responses": _responses(api, operation),
        "security": [{api.security: []}] if api.security else [],
    }
    if operation.description:
        spec["description"] = operation.description
    if operation.body is not None:
        spec["requestBody"] = {
            "required": True,
            "description": operation.body.description or operation.summary,
            "content": {media: {"schema": schema}
                        for media, schema in operation.body.content.items()},
        }
    return spec


def _parameters(api: Api, operation: Operation) -> list[dict[str, Any]]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PATH_PARAM.findall(api.full_path(operation))
    ]
    parameters += [_query(param) for param in operation.query]
    if operation.idempotent:
        parameters.append(IDEMPOTENCY_HEADER)
    return parameters


def _query(param: Param) -> dict[str, Any]:
    return {"name": param.name, "in": param.location, "required": param.required,
            "description": param.description, "schema": param.schema}


def error_statuses(api: Api, operation: Operation) -> list[int]:
    statuses = set(operation.errors) | {500}
    if api.security:
        statuses |= {401, 429}  # 429: the rate limits (gateway.api.limits)
    if operation.body is not None:
        statuses |= {400, 413, 415}
    return sorted(s for s in statuses if s not in operation.replies)


def _responses(api: Api, operation: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {
        str(status): _reply(reply) for status, reply in sorted(operation.replies.items())
    }
    for status in error_statuses(api, operation):
        responses[str(status)] = {"$ref": f"#/components/responses/Problem{status}"}
    return responses


def _reply(reply: Reply) -> dict[str, Any]:
    spec: dict[str, Any] = {"description": reply.description}
    if reply.content:
        spec["content"] = {media: {"schema": schema} for media, schema in reply.content.items()}
    if reply.headers:
        spec["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                           for name, text in reply.headers.items()}
    return spec


def _problem_responses(apis: Sequence[Api]) -> dict[str, Any]:
    statuses = {s for api in apis for op in api.operations for s in error_statuses(api, op)}
    responses: dict[str, Any] = {
        f"Problem{status}": {
            "description": f"{status_title(status)} (problem details)",
            "content": {PROBLEM_CONTENT_TYPE: {"schema": ref("Problem")}},
        }
        for status in sorted(statuses)
    }
    if "Problem429" in responses:
        responses["Problem429"]["headers"] = {"Retry-After": {
            "description": "Seconds until a request will be accepted again.",
            "schema": {"type": "integer", "minimum": 1}}}
    return responses
