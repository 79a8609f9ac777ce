"""Public operations: the OpenAPI document and the health check (no credentials)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import text

from gateway import __version__
from gateway.api import keys
from gateway.api.http import database, json_response
from gateway.api.spec import Operation, Reply, json_reply, ref
from gateway.db.engine import redacted
from gateway.errors import GatewayError

OPENAPI_DOCUMENT: web.AppKey[dict[str, object]] = web.AppKey("openapi_document")


class ServiceUnavailable(GatewayError):
    code = "service-unavailable"
    http_status = 503
    retryable = True


async def openapi_json(request: web.Request) -> web.Response:
    return json_response(request.config_dict[OPENAPI_DOCUMENT])


async def health(request: web.Request) -> web.Response:
    """Liveness and readiness: 200 when the database answers, else a 503 problem."""
    db = database(request)
    try:
        async with db.read() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:
        raise ServiceUnavailable(
            f"database {redacted(db.engine.url)} does not answer: {type(exc).__name__}",
            code="database-unavailable",
        ) from None
    config = request.config_dict
    return json_response({
        "status": "ok",
        "version": __version__,
        "database": db.dialect,
        "artefacts_version": config[keys.ANALYZER].validator.artefacts_version,
        "outbox_workers": len(config[keys.OUTBOX_WORKERS]),
        "webhook_workers": len(config[keys.WEBHOOK_DISPATCHERS]),
    })


OPERATIONS = (
    Operation("GET", "/openapi.json", openapi_json, "getOpenApi", "This OpenAPI 3.1 document",
              "meta", replies={200: Reply("OpenAPI 3.1.", {"application/json": {
                  "type": "object"}})}),
    Operation("GET", "/health", health, "getHealth", "Liveness and readiness", "meta",
              replies={200: json_reply("Healthy.", ref("Health"))}, errors=(503,)),
)
