"""Admin API: a partner's delivery endpoints, certificates and API keys."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from gateway.api.admin.common import json_write
from gateway.api.http import (
    actor,
    database,
    field_value,
    json_response,
    now,
    read_json_object,
    required_text,
)
from gateway.api.spec import Body, Operation, Param, Reply, json_reply, list_of, ref
from gateway.api.views import api_key_view, certificate_view, endpoint_view
from gateway.db.repos import credentials as credentials_repo
from gateway.db.repos import partners as partners_repo
from gateway.errors import InputError
from gateway.exchange.endpoints import check_endpoint_settings

JSON_BODY = "application/json"


def _partner_id(request: web.Request) -> str:
    return request.match_info["partner_id"]


def _settings(body: dict[str, Any]) -> dict[str, Any] | None:
    settings = field_value(body, "settings", dict, required=False)
    if settings is not None:
        check_endpoint_settings(settings)
    return settings


async def list_endpoints(request: web.Request) -> web.Response:
    async with database(request).read() as session:
        await partners_repo.get_partner(session, _partner_id(request))
        rows = await partners_repo.list_endpoints(session, _partner_id(request))
    return json_response({"items": [endpoint_view(e) for e in rows]})


async def add_endpoint(request: web.Request) -> web.Response:
    async def work(body: dict[str, Any]) -> web.Response:
        settings = _settings(body)
        async with database(request).transaction() as session:
            row = await partners_repo.add_endpoint(
                session, _partner_id(request), transport=required_text(body, "transport"),
                now=now(request), actor=actor(request),
                url=field_value(body, "url", str, required=False), settings=settings,
                priority=field_value(body, "priority", int, required=False, default=0) or 0,
                enabled=bool(field_value(body, "enabled", bool, required=False, default=True)),
            )
        return json_response(endpoint_view(row), status=201)

    return await json_write(request, work)


async def update_endpoint(request: web.Request) -> web.Response:
    async def work(body: dict[str, Any]) -> web.Response:
        async with database(request).transaction() as session:
            row = await partners_repo.update_endpoint(
                session, request.match_info["endpoint_id"], now=now(request),
                actor=actor(request), url=field_value(body, "url", str, required=False),
                settings=_settings(body),
                priority=field_value(body, "priority", int, required=False),
                enabled=field_value(body, "enabled", bool, required=False),
            )
        return json_response(endpoint_view(row))

    return await json_write(request, work)


async def list_certificates(request: web.Request) -> web.Response:
    async with database(request).read() as session:
        await partners_repo.get_partner(session, _partner_id(request))
        rows = await credentials_repo.list_certificates(
            session, _partner_id(request), purpose=request.query.get("purpose")
        )
    return json_response({"items": [certificate_view(c) for c in rows]})


async def add_certificate(request: web.Request) -> web.Response:
    async def work(body: dict[str, Any]) -> web.Response:
        async with database(request).transaction() as session:
            row = await credentials_repo.add_certificate(
                session, _partner_id(request), required_text(body, "pem"),
                purpose=required_text(body, "purpose"), now=now(request), actor=actor(request),
            )
        return json_response(certificate_view(row), status=201)

    return await json_write(request, work)


async def remove_certificate(request: web.Request) -> web.Response:
    async with database(request).transaction() as session:
        await credentials_repo.remove_certificate(
            session, request.match_info["certificate_id"], now=now(request),
            actor=actor(request),
        )
    return web.Response(status=204)


async def expiring_certificates(request: web.Request) -> web.Response:
    raw = request.query.get("within_days", "30")
    if not raw.isdigit():
        raise InputError("query parameter 'within_days' must be a whole number of days")
    async with database(request).read() as session:
        rows = await credentials_repo.expiring_certificates(
            session, now=now(request), within=timedelta(days=int(raw))
        )
    return json_response({"items": [certificate_view(c) for c in rows]})


async def list_api_keys(request: web.Request) -> web.Response:
    async with database(request).read() as session:
        await partners_repo.get_partner(session, _partner_id(request))
        rows = await credentials_repo.list_api_keys(session, _partner_id(request))
    return json_response({"items": [api_key_view(k) for k in rows]})


async def create_api_key(request: web.Request) -> web.Response:
    """Not idempotent on purpose: a replayed response would have to store the key itself."""
    body = await read_json_object(request) if request.can_read_body else {}
    label = field_value(body, "label", str, required=False, default="api key") or "api key"
    async with database(request).transaction() as session:
        row, token = await credentials_repo.create_api_key(
            session, _partner_id(request), label=label, now=now(request), actor=actor(request)
        )
    return json_response(api_key_view(row) | {"api_key": token}, status=201,
                         headers={"Cache-Control": "no-store"})


async def revoke_api_key(request: web.Request) -> web.Response:
    async with database(request).transaction() as session:
        row = await credentials_repo.revoke_api_key(
            session, request.match_info["key_id"], now=now(request), actor=actor(request)
        )
    return json_response(api_key_view(row))


PARTNER = "/partners/{partner_id}"

OPERATIONS = (
    Operation("GET", PARTNER + "/endpoints", list_endpoints, "listEndpoints",
              "Delivery endpoints", "endpoints",
              replies={200: json_reply("Endpoints.", list_of("Endpoint"))}, errors=(404,)),
    Operation("POST", PARTNER + "/endpoints", add_endpoint, "addEndpoint",
              "Add a delivery endpoint", "endpoints",
              replies={201: json_reply("Added.", ref("Endpoint"))},
              body=Body({JSON_BODY: ref("EndpointCreate")}), errors=(400, 404), idempotent=True),
    Operation("PATCH", "/endpoints/{endpoint_id}", update_endpoint, "updateEndpoint",
              "Change an endpoint", "endpoints",
              replies={200: json_reply("Updated.", ref("Endpoint"))},
              body=Body({JSON_BODY: ref("EndpointUpdate")}), errors=(400, 404), idempotent=True),
    Operation("GET", PARTNER + "/certificates", list_certificates, "listCertificates",
              "Certificates", "certificates",
              replies={200: json_reply("Certificates.", list_of("Certificate"))},
              query=(Param("purpose", "signing, encryption, tls or as4"),), errors=(404,)),
    Operation("POST", PARTNER + "/certificates", add_certificate, "addCertificate",
              "Upload a certificate (PEM)", "certificates",
              replies={201: json_reply("Stored.", ref("Certificate"))},
              body=Body({JSON_BODY: ref("CertificateCreate")}), errors=(400, 404, 409),
              idempotent=True),
    Operation("DELETE", "/certificates/{certificate_id}", remove_certificate,
              "removeCertificate", "Remove a certificate", "certificates",
              replies={204: Reply("Removed.")}, errors=(404,)),
    Operation("GET", "/certificates/expiring", expiring_certificates, "expiringCertificates",
              "Certificates expiring soon (or expired)", "certificates",
              replies={200: json_reply("Certificates.", list_of("Certificate"))},
              query=(Param("within_days", "Window in days (default 30).",
                           {"type": "integer", "minimum": 0}),), errors=(400,)),
    Operation("GET", PARTNER + "/api-keys", list_api_keys, "listApiKeys", "API keys (no secrets)",
              "api-keys", replies={200: json_reply("Keys.", list_of("ApiKey"))}, errors=(404,)),
    Operation("POST", PARTNER + "/api-keys", create_api_key, "createApiKey",
              "Issue an API key (shown once)", "api-keys",
              replies={201: json_reply("The key, with `api_key` shown this once.",
                                       ref("ApiKey"))},
              body=Body({JSON_BODY: ref("ApiKeyCreate")}), errors=(400, 404)),
    Operation("DELETE", "/api-keys/{key_id}", revoke_api_key, "revokeApiKey", "Revoke an API key",
              "api-keys", replies={200: json_reply("Revoked.", ref("ApiKey"))}, errors=(404,)),
)
