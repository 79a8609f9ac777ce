"""Errors as RFC 9457 problem details (``application/problem+json``), findings included.

Every error the API answers has the same shape::

    {"type": "urn:einvoice-gateway:problem:validation-failed", "title": "Unprocessable Content",
     "status": 422, "detail": "...", "code": "validation-failed", "instance": "/v1/documents",
     "request_id": "...", "findings": [{"rule_id": "BR-CO-15", ...}], ...extensions}

`code` is the stable machine-readable key (GatewayError.code); `findings` are
gateway.findings.Finding.to_dict() entries, so a client sees exactly which rule failed where.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from aiohttp import web

from gateway.errors import GatewayError
from gateway.findings import Finding
from gateway.jsonio import dump_json

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:einvoice-gateway:problem:"

# Status overrides by error code, where the API deliberately differs from the class default.
# The IETF Idempotency-Key draft suggests 422 for a reused key; 422 is reserved here for
# document findings, so a key reused for another request is a 409 Conflict.
STATUS_BY_CODE: Mapping[str, int] = {"idempotency-key-reused": 409}


def status_title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_body(
    *,
    status: int,
    code: str,
    detail: str,
    instance: str | None = None,
    request_id: str | None = None,
    findings: Sequence[Finding | Mapping[str, Any]] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + code,
        "title": status_title(status),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance is not None:
        body["instance"] = instance
    if request_id is not None:
        body["request_id"] = request_id
    if findings:
        body["findings"] = [f.to_dict() if isinstance(f, Finding) else dict(f) for f in findings]
    body.update(extra or {})
    return body


def problem_response(
    status: int, body: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status,
        body=dump_json(dict(body), indent=None).encode("utf-8"),
        content_type=PROBLEM_CONTENT_TYPE,
        headers=dict(headers or {}),
    )


def status_of(error: GatewayError) -> int:
    return STATUS_BY_CODE.get(error.code, error.http_status)


class ProblemError(GatewayError):
    """A GatewayError carrying extension members for the problem body (e.g. the id of the
    rejected document that was stored)."""

    def __init__(
        self,
        cause: GatewayError,
        *,
        extra: Mapping[str, Any],
        findings: Sequence[Finding] | None = None,
    ) -> None:
        super().__init__(
            cause.message,
            findings=cause.findings if findings is None else findings,
            code=cause.code,
            retryable=cause.retryable,
        )
        self.http_status = status_of(cause)
        self.extra = dict(extra)


def error_response(
    error: GatewayError, *, instance: str | None, request_id: str | None
) -> web.Response:
    status = error.http_status if isinstance(error, ProblemError) else status_of(error)
    body = problem_body(
        status=status,
        code=error.code,
        detail=error.message,
        instance=instance,
        request_id=request_id,
        findings=error.findings,
        extra=error.extra if isinstance(error, ProblemError) else None,
    )
    headers = {"WWW-Authenticate": 'Bearer realm="gateway"'} if status == 401 else None
    return problem_response(status, body, headers=headers)
