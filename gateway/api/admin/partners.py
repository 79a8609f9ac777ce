"""Admin API: partners, their participant identifiers and their capabilities."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.api.admin.common import json_write
from gateway.api.http import (
    actor,
    database,
    field_value,
    json_response,
    now,
    page,
    query_limit,
    query_text,
    required_text,
    text_list,
)
from gateway.api.spec import (
    PAGINATION,
    Body,
    Operation,
    Param,
    Reply,
    json_reply,
    list_of,
    page_of,
    ref,
)
from gateway.api.views import identifier_view, partner_view
from gateway.db.repos import partners as partners_repo
from gateway.errors import InputError


def _partner_id(request: web.Request) -> str:
    return request.match_info["partner_id"]


async def create_partner(request: web.Request) -> web.Response:
    async def work(body: dict[str, Any]) -> web.Response:
        async with database(request).transaction() as session:
            partner = await partners_repo.create_partner(
                session, name=required_text(body, "name"),
                key_prefix=required_text(body, "key_prefix"), now=now(request),
                actor=actor(request), settings=field_value(body, "settings", dict,
                                                           required=False),
            )
        view = partner_view(partner)
        return json_response(view, status=201,
                             headers={"Location": f"/admin/v1/partners/{partner.id}"})

    return await json_write(request, work)


async def list_partners(request: web.Request) -> web.Response:
    limit = query_limit(request)
    async with database(request).read() as session:
        rows = await partners_repo.list_partners(
            session, status=query_text(request, "status"), after=query_text(request, "after"),
            limit=limit,
        )
    return json_response(page(rows, limit, partner_view, lambda p: p.id))


async def get_partner(request: web.Request) -> web.Response:
    async with database(request).read() as session:
        partner = await partners_repo.get_partner(session, _partner_id(request))
    return json_response(partner_view(partner))


async def update_partner(request: web.Request) -> web.Response:
    async def work(body: dict[str, Any]) -> web.Response:
        status = field_value(body, "status", str, required=False)
        settings = field_value(body, "settings", dict, required=False)
        if status is None and settings is None:
            raise InputError("give 'status' and/or 'settings'")
        async with database(request).transaction() as session:
            partner = await partners_repo.get_partner(session, _partner_id(request))
            if settings is not None:
                partner = await partners_repo.set_partner_settings(
                    session, _partner_id(request), settings, now=now(request),
                    actor=actor(request),
                )
            if status is not None:
                partner = await partners_repo.set_partner_status(
                    session, _partner_id(request), status, now=now(request),
                    actor=actor(request),
                )
        return json_response(partner_view(partner))

    return await json_write(request, work)


async def list_identifiers(request: web.Request) -> web.Response:
    async with database(request).read() as session:
        await partners_repo.get_partner(session, _partner_id(request))
        rows = await partners_repo.list_identifiers(session, _partner_id(request))
    return json_response({"items": [identifier_view(i) for i in rows]})


async def add_identifier(request: web.Request) -> web.Response:
    async def work(body: dict[str, Any]) -> web.Response:
        async with database(request).transaction() as session:
            row = await partners_repo.add_identifier(
                session, _partner_id(request), required_text(body, "identifier"),
                now=now(request), actor=actor(request),
            )
        return json_response(identifier_view(row), status=201)

    return await json_write(request, work)


async def remove_identifier(request: web.Request) -> web.Response:
    async with database(request).transaction() as session:
        await partners_repo.remove_identifier(
            session, _partner_id(request), request.match_info["identifier"],
            now=now(request), actor=actor(request),
        )
    return web.Response(status=204)


async def get_capabilities(request: web.Request) -> web.Response:
    async with database(request).read() as session:
        await partners_repo.get_partner(session, _partner_id(request))
        types = await partners_repo.capabilities(session, _partner_id(request))
    return json_response({"partner_id": _partner_id(request), "document_types": types})


async def set_capabilities(request: web.Request) -> web.Response:
    async def work(body: dict[str, Any]) -> web.Response:
        async with database(request).transaction() as session:
            types = await partners_repo.set_capabilities(
                session, _partner_id(request), text_list(body, "document_types"),
                now=now(request), actor=actor(request),
            )
        return json_response({"partner_id": _partner_id(request), "document_types": types})

    return await json_write(request, work)


PARTNER = "/partners/{partner_id}"
_STATUS = Param("status", "active or suspended")

OPERATIONS = (
    Operation("POST", "/partners", create_partner, "createPartner", "Onboard a partner",
              "partners", replies={201: json_reply("Created.", ref("Partner"))},
              body=Body({"application/json": ref("PartnerCreate")}), errors=(400, 409),
              idempotent=True),
    Operation("GET", "/partners", list_partners, "listPartners", "List partners", "partners",
              replies={200: json_reply("A page of partners.", page_of("Partner"))},
              query=(*PAGINATION, _STATUS)),
    Operation("GET", PARTNER, get_partner, "getPartner", "A partner", "partners",
              replies={200: json_reply("The partner.", ref("Partner"))}, errors=(404,)),
    Operation("PATCH", PARTNER, update_partner, "updatePartner",
              "Suspend or reactivate; replace settings", "partners",
              replies={200: json_reply("Updated.", ref("Partner"))},
              body=Body({"application/json": ref("PartnerUpdate")}), errors=(400, 404),
              idempotent=True),
    Operation("GET", PARTNER + "/identifiers", list_identifiers, "listIdentifiers",
              "Participant identifiers", "identifiers",
              replies={200: json_reply("Identifiers.", list_of("Identifier"))}, errors=(404,)),
    Operation("POST", PARTNER + "/identifiers", add_identifier, "addIdentifier",
              "Attach a participant identifier (checked per ICD scheme)", "identifiers",
              replies={201: json_reply("Attached.", ref("Identifier"))},
              body=Body({"application/json": ref("IdentifierCreate")}),
              errors=(400, 404, 409), idempotent=True),
    Operation("DELETE", PARTNER + "/identifiers/{identifier}", remove_identifier,
              "removeIdentifier", "Detach a participant identifier", "identifiers",
              replies={204: Reply("Removed.")},
              errors=(400, 404)),
    Operation("GET", PARTNER + "/capabilities", get_capabilities, "getCapabilities",
              "Document types the partner receives", "capabilities",
              replies={200: json_reply("Capabilities.", ref("Capabilities"))}, errors=(404,)),
    Operation("PUT", PARTNER + "/capabilities", set_capabilities, "setCapabilities",
              "Replace the document types the partner receives", "capabilities",
              replies={200: json_reply("Capabilities.", ref("Capabilities"))},
              body=Body({"application/json": ref("CapabilitiesUpdate")}),
              errors=(400, 404, 415), idempotent=True),
)
