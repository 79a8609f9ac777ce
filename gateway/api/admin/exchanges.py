"""Admin API: exchanges (filter, search, replay dead letters), all documents, the internal
pull inbox, and the audit log verification."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway import audit
from gateway.api import documents as docs
from gateway.api import inbox
from gateway.api.admin.common import PREFIX, json_write, wake_outbox
from gateway.api.http import (
    actor,
    database,
    field_value,
    json_response,
    now,
    page,
    query_bool,
    query_choice,
    query_limit,
    query_text,
)
from gateway.api.partner.inbox import INCLUDE_ACKNOWLEDGED
from gateway.api.spec import (
    JSON,
    PAGINATION,
    XML,
    Body,
    Operation,
    Param,
    Reply,
    json_reply,
    page_of,
    ref,
)
from gateway.api.views import acknowledgement_view, event_view, exchange_view
from gateway.db.repos import exchanges as exchanges_repo
from gateway.errors import InputError
from gateway.exchange import outbox
from gateway.exchange.states import Direction, State

_STATES = ", ".join(s.value for s in State)


async def list_exchanges(request: web.Request) -> web.Response:
    limit = query_limit(request)
    message_id = query_text(request, "message_id")
    direction = query_choice(request, "direction", (d.value for d in Direction))
    states = [s for s in (query_text(request, "state") or "").split(",") if s]
    unknown = set(states) - {s.value for s in State}
    if unknown:
        raise InputError(f"unknown state(s) {', '.join(sorted(unknown))}; known: {_STATES}")
    async with database(request).read() as session:
        if message_id is not None:
            rows = list(await exchanges_repo.find_by_message_id(
                session, message_id=message_id, direction=direction,
                partner_id=query_text(request, "partner_id"),
            ))[:limit]
        else:
            rows = list(await exchanges_repo.list_exchanges(
                session, partner_id=query_text(request, "partner_id"),
                direction=direction, states=states or None,
                document_type=query_text(request, "document_type"),
                after=query_text(request, "after"), limit=limit,
            ))
    return json_response(page(rows, limit, exchange_view, lambda e: e.id))


async def get_exchange(request: web.Request) -> web.Response:
    exchange_id = request.match_info["exchange_id"]
    async with database(request).read() as session:
        exchange = await exchanges_repo.get_exchange(session, exchange_id)
        events = await exchanges_repo.list_events(session, exchange_id)
        acks = await exchanges_repo.list_acknowledgements(session, exchange_id)
    return json_response(exchange_view(exchange) | {
        "events": [event_view(e) for e in events],
        "acknowledgements": [acknowledgement_view(a) for a in acks],
    })


async def replay_exchange(request: web.Request) -> web.Response:
    async def work(body: dict[str, Any]) -> web.Response:
        reason = field_value(body, "reason", str, required=False)
        async with database(request).transaction() as session:
            exchange = await outbox.replay(
                session, request.match_info["exchange_id"], now=now(request),
                actor=actor(request), reason=reason,
            )
        wake_outbox(request)
        return json_response(exchange_view(exchange))

    return await json_write(request, work, body_required=False)


async def list_documents(request: web.Request) -> web.Response:
    return await docs.list_documents(request, None, PREFIX)


async def get_document(request: web.Request) -> web.Response:
    return await docs.get_document(request, None, PREFIX)


async def get_xml(request: web.Request) -> web.Response:
    return await docs.get_xml(request, None)


async def get_json(request: web.Request) -> web.Response:
    return await docs.get_json(request, None)


async def get_findings(request: web.Request) -> web.Response:
    return await docs.get_findings(request, None)


async def get_events(request: web.Request) -> web.Response:
    return await docs.get_events(request, None)


async def list_inbox(request: web.Request) -> web.Response:
    return await inbox.list_items(request, inbox.INTERNAL_INBOX, None)


async def acknowledge(request: web.Request) -> web.Response:
    return await inbox.acknowledge(request, inbox.INTERNAL_INBOX, None)


async def verify_audit(request: web.Request) -> web.Response:
    async with database(request).read() as session:
        result = await audit.verify(session, expected_head=query_text(request, "expected_head"))
    return json_response({"ok": result.ok, "entries": result.entries,
                          "head_hash": result.head_hash, "broken_seq": result.broken_seq,
                          "reason": result.reason}, status=200 if result.ok or not
                         query_bool(request, "fail_on_break") else 409)


EXCHANGE = "/exchanges/{exchange_id}"
DOC_ID = "/documents/{document_id}"

OPERATIONS = (
    Operation("GET", "/exchanges", list_exchanges, "listExchanges",
              "Filter and search exchanges", "exchanges",
              replies={200: json_reply("A page of exchanges.", page_of("Exchange"))},
              query=(*PAGINATION, Param("partner_id", "Only this partner's"),
                     Param("direction", "inbound or outbound"),
                     Param("state", f"One state or several, comma-separated: {_STATES}"),
                     Param("document_type", "Registry key"),
                     Param("message_id", "Search by message id (exact)")), errors=(400,)),
    Operation("GET", EXCHANGE, get_exchange, "getExchange",
              "An exchange with its events and acknowledgements", "exchanges",
              replies={200: json_reply("The exchange.", ref("Exchange"))}, errors=(404,)),
    Operation("POST", EXCHANGE + "/replay", replay_exchange, "replayExchange",
              "Queue a dead-lettered exchange again (same message id)", "exchanges",
              replies={200: json_reply("Queued again.", ref("Exchange"))},
              body=Body({JSON: ref("ReplayRequest")}), errors=(404, 409), idempotent=True),
    Operation("GET", "/documents", list_documents, "adminListDocuments", "List documents",
              "documents", replies={200: json_reply("A page of documents.", page_of("Document"))},
              query=(*PAGINATION, Param("partner_id", "Only this partner's"),
                     Param("direction", "inbound or outbound"),
                     Param("document_type", "Registry key"))),
    Operation("GET", DOC_ID, get_document, "adminGetDocument", "A document", "documents",
              replies={200: json_reply("The document.", ref("Document"))}, errors=(404,)),
    Operation("GET", DOC_ID + "/xml", get_xml, "adminGetDocumentXml", "As UBL XML", "documents",
              replies={200: Reply("UBL XML.", {XML: ref("UblDocument")})}, errors=(404,)),
    Operation("GET", DOC_ID + "/json", get_json, "adminGetDocumentJson", "As the gateway's JSON",
              "documents", replies={200: json_reply("JSON.", ref("CanonicalDocument"))},
              errors=(404,)),
    Operation("GET", DOC_ID + "/findings", get_findings, "adminGetDocumentFindings",
              "Validation findings", "documents",
              replies={200: json_reply("Findings.", ref("DocumentFindings"))}, errors=(404,)),
    Operation("GET", DOC_ID + "/events", get_events, "adminGetDocumentEvents",
              "State changes and acknowledgements", "documents",
              replies={200: json_reply("Events.", ref("DocumentEvents"))}, errors=(404,)),
    Operation("GET", "/inbox", list_inbox, "listInternalInbox",
              "Inbound documents routed to the internal systems, to fetch", "inbox",
              replies={200: json_reply("A page of inbox items.", page_of("InboxItem"))},
              query=(*PAGINATION, INCLUDE_ACKNOWLEDGED, Param("partner_id", "From this partner"))),
    Operation("POST", "/inbox/{exchange_id}/ack", acknowledge, "acknowledgeInternalInboxItem",
              "Acknowledge a fetched inbound document", "inbox",
              replies={200: json_reply("Acknowledged.", ref("InboxAck"))}, errors=(404, 409)),
    Operation("GET", "/audit/verify", verify_audit, "verifyAudit",
              "Verify the tamper-evident audit chain", "audit",
              replies={200: json_reply("The verdict.", ref("AuditVerification")),
                       409: json_reply("Broken chain (with fail_on_break=true).",
                                       ref("AuditVerification"))},
              query=(Param("expected_head", "The head hash recorded earlier (detects "
                                            "truncation)"),
                     Param("fail_on_break", "Answer 409 when broken", {"type": "boolean"}))),
)
