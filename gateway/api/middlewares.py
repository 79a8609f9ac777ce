"""Root middlewares: request id, and every error as application/problem+json.

Order (outermost first): `request_id` gives each request an id (the caller's X-Request-Id
when it is a safe token, else a new one) echoed in the response and bound to the log context
(gateway.observability.context); `problems` turns
GatewayError (with its findings), aiohttp's HTTP errors (404 no route, 405, 413 body too large)
and any unexpected exception into a problem document. An unexpected exception is logged with
its traceback and answered 500 with the request id only: no internals leak.
"""

from __future__ import annotations

import logging
import re

from aiohttp import web

from gateway.api import keys
from gateway.api.problem import error_response, problem_body, problem_response
from gateway.api.spec import Handler
from gateway.db.base import new_id
from gateway.errors import GatewayError
from gateway.observability.context import EXCHANGE_ID, REQUEST_ID, bound

_log = logging.getLogger(__name__)
REQUEST_ID_HEADER = "X-Request-Id"
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

_CODES_BY_STATUS = {
    400: "bad-request",
    404: "not-found",
    405: "method-not-allowed",
    413: "payload-too-large",
    415: "unsupported-media-type",
}


@web.middleware
async def request_id(request: web.Request, handler: Handler) -> web.StreamResponse:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    rid = given if _SAFE_REQUEST_ID.fullmatch(given) else new_id()
    request[keys.REQUEST_ID] = rid
    with bound(REQUEST_ID, rid), bound(EXCHANGE_ID, None):  # on every log line of the request
        response = await handler(request)
    response.headers[REQUEST_ID_HEADER] = rid
    return response


@web.middleware
async def problems(request: web.Request, handler: Handler) -> web.StreamResponse:
    rid = request.get(keys.REQUEST_ID)
    try:
        return await handler(request)
    except GatewayError as exc:
        if exc.http_status >= 500:
            _log.error("request %s %s failed: [%s] %s", rid, request.path, exc.code, exc.message)
        return error_response(exc, instance=request.path, request_id=rid)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _http_problem(request, exc, rid)
    except Exception:
        _log.exception("request %s %s %s failed", rid, request.method, request.path)
        body = problem_body(status=500, code="internal-error",
                            detail="the gateway could not complete the request; quote the "
                                   "request id when reporting it",
                            instance=request.path, request_id=rid)
        return problem_response(500, body)


def _http_problem(
    request: web.Request, exc: web.HTTPException, rid: str | None
) -> web.Response:
    code = _CODES_BY_STATUS.get(exc.status, f"http-{exc.status}")
    detail = exc.text or exc.reason
    if exc.status == 404:
        detail = f"no resource at {request.path}"
    elif exc.status == 405:
        allowed = ", ".join(sorted(getattr(exc, "allowed_methods", ()) or ()))
        detail = f"{request.method} is not allowed on {request.path} (allowed: {allowed})"
    elif exc.status == 413:
        detail = f"request body too large: {exc.text or 'over the limit'}"
    headers = {k: v for k, v in exc.headers.items() if k.lower() == "allow"}
    body = problem_body(status=exc.status, code=code, detail=detail, instance=request.path,
                        request_id=rid)
    return problem_response(exc.status, body, headers=headers)
