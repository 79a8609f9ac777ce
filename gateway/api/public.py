"""Public operations: the OpenAPI document, the probes and the Prometheus metrics.

* GET /healthz  liveness: the process answers (no I/O), for a restart policy
* GET /readyz   readiness: database, migrations, workers, artefacts
                (gateway.observability.health); 503 with the failed checks, for a balancer
* GET /health   the same as /readyz (kept for existing clients and the demo)
* GET /metrics  Prometheus text; with ``metrics_token`` configured it needs that bearer token
"""

from __future__ import annotations

import asyncio
import hmac

from aiohttp import web

from gateway import __version__
from gateway.api import keys
from gateway.api.auth import bearer_token
from gateway.api.http import database, json_response, now
from gateway.api.problem import ProblemError
from gateway.api.spec import Operation, Reply, json_reply, ref
from gateway.errors import GatewayError, Unauthorized
from gateway.observability import health as checks
from gateway.observability.metrics import (
    CONTENT_TYPE,
    database_metrics,
    server_certificate_metric,
)

OPENAPI_DOCUMENT: web.AppKey[dict[str, object]] = web.AppKey("openapi_document")


class ServiceUnavailable(GatewayError):
    code = "service-unavailable"
    http_status = 503
    retryable = True


async def openapi_json(request: web.Request) -> web.Response:
    return json_response(request.config_dict[OPENAPI_DOCUMENT])


async def liveness(request: web.Request) -> web.Response:
    """The event loop runs and answers: nothing else is checked (a failing dependency must
    not get a healthy process restarted)."""
    return json_response({"status": "alive", "version": __version__})


async def readiness(request: web.Request) -> web.Response:
    """200 when every check passes, else a 503 problem whose ``checks`` say which failed."""
    config = request.config_dict
    db, validator = database(request), config[keys.ANALYZER].validator
    database_check, migrations_check = await asyncio.gather(
        checks.check_database(db), checks.check_migrations(db, config[keys.SCHEMA_HEAD]))
    tasks = config[keys.WORKER_TASKS]
    results = [database_check, migrations_check, checks.check_workers(tasks),
               checks.check_artefacts(config[keys.SETTINGS], validator)]
    report = {check.name: check.to_dict() for check in results}
    failed = [check for check in results if not check.ok]
    if failed:
        cause = ServiceUnavailable(
            "not ready: " + "; ".join(f"{c.name}: {c.detail}" for c in failed),
            code="database-unavailable" if not database_check.ok else "not-ready")
        raise ProblemError(cause, extra={"checks": report})
    return json_response({
        "status": "ok",
        "version": __version__,
        "database": db.dialect,
        "artefacts_version": validator.artefacts_version,
        "outbox_workers": len(config[keys.OUTBOX_WORKERS]),
        "webhook_workers": len(config[keys.WEBHOOK_DISPATCHERS]),
        "checks": report,
    })


async def metrics(request: web.Request) -> web.Response:
    config = request.config_dict
    expected = config[keys.SETTINGS].metrics_token
    if expected and not hmac.compare_digest(bearer_token(request).encode(), expected.encode()):
        raise Unauthorized("invalid metrics token")
    moment = now(request)
    collected = await database_metrics(database(request), moment)
    collected += server_certificate_metric(config[keys.SERVER_CERT_NOT_AFTER], moment)
    body = config[keys.METRICS].render(collected)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


_READY = {200: json_reply("Ready: every check passed.", ref("Health"))}

OPERATIONS = (
    Operation("GET", "/openapi.json", openapi_json, "getOpenApi", "This OpenAPI 3.1 document",
              "meta", replies={200: Reply("OpenAPI 3.1.", {"application/json": {
                  "type": "object"}})}, errors=(429,)),
    Operation("GET", "/healthz", liveness, "getLiveness", "Liveness: the process answers",
              "meta", replies={200: json_reply("Alive.", ref("Liveness"))}),
    Operation("GET", "/readyz", readiness, "getReadiness",
              "Readiness: database, migrations, workers and artefacts", "meta",
              replies=_READY, errors=(503,)),
    Operation("GET", "/health", readiness, "getHealth", "Readiness (alias of /readyz)", "meta",
              replies=_READY, errors=(503,)),
    Operation("GET", "/metrics", metrics, "getMetrics", "Prometheus metrics", "meta",
              replies={200: Reply("Prometheus text exposition format 0.0.4.",
                                  {"text/plain": {"type": "string"}})},
              errors=(401,),
              description="Unauthenticated unless `metrics_token` is configured; then send "
                          "it as a bearer token. See docs/operations.md for the metric list."),
)
