"""Rate-limit middlewares: per source address on the root app, per partner API key in the
partner sub-app (after authentication). Refusals are 429 problems with ``Retry-After``.

Probes (/healthz, /readyz, /health) and /metrics are not limited by address: an orchestrator
or Prometheus polling them must never be refused. The source address is the TCP peer; behind
a reverse proxy every request shares the proxy's address, so rate-limit there instead (or
raise the address limit). See gateway.observability.ratelimit for the algorithm.
"""

from __future__ import annotations

from aiohttp import web

from gateway.api import keys
from gateway.api.problem import problem_body, problem_response
from gateway.api.spec import Handler
from gateway.observability.ratelimit import retry_after_header

UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/health", "/metrics"})
RATE_LIMITED = 429
SCOPES = {"address": "source address", "partner_key": "partner API key"}


def too_many_requests(request: web.Request, scope: str, wait: float) -> web.Response:
    request.config_dict[keys.METRICS].rate_limited.labels(scope).inc()
    retry_after = retry_after_header(wait)
    body = problem_body(
        status=RATE_LIMITED, code="rate-limited",
        detail=f"too many requests for this {SCOPES[scope]}; retry after {retry_after} s",
        instance=request.path, request_id=request.get(keys.REQUEST_ID),
    )
    return problem_response(RATE_LIMITED, body, headers={"Retry-After": retry_after})


@web.middleware
async def limit_by_address(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path not in UNLIMITED_PATHS:
        wait = request.config_dict[keys.ADDRESS_LIMITER].acquire(request.remote or "unknown")
        if wait > 0:
            return too_many_requests(request, "address", wait)
    return await handler(request)


@web.middleware
async def limit_by_partner_key(request: web.Request, handler: Handler) -> web.StreamResponse:
    key_id = request[keys.PRINCIPAL].api_key.key_id
    wait = request.config_dict[keys.PARTNER_LIMITER].acquire(key_id)
    if wait > 0:
        return too_many_requests(request, "partner_key", wait)
    return await handler(request)
