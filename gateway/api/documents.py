"""Reading documents: the same views for a partner (its own documents only) and for the admin.

`partner_id` None means the admin's unrestricted view; otherwise every lookup is filtered by
the partner, and another partner's document is "not found".
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.api.http import (
    database,
    json_response,
    page,
    query_choice,
    query_limit,
    query_text,
)
from gateway.api.views import acknowledgement_view, document_view, event_view
from gateway.db.repos import documents as documents_repo
from gateway.db.repos import exchanges as exchanges_repo
from gateway.db.tables.documents import Document
from gateway.db.tables.exchanges import Exchange
from gateway.documents.convert import json_to_model, model_to_xml
from gateway.errors import NotFound
from gateway.exchange.analysis import JSON_MEDIA_TYPE, XML_MEDIA_TYPE
from gateway.findings import Severity


async def primary_exchange(session: AsyncSession, document_id: str) -> Exchange | None:
    """The exchange that carried the document first (as the wire or the source document)."""
    stmt = (
        select(Exchange)
        .where(or_(Exchange.document_id == document_id,
                   Exchange.source_document_id == document_id))
        .order_by(Exchange.id).limit(1)
    )
    return (await session.scalars(stmt)).first()


async def load(
    request: web.Request, partner_id: str | None
) -> tuple[Document, Exchange | None]:
    document_id = request.match_info["document_id"]
    async with database(request).read() as session:
        document = await documents_repo.get_document(session, document_id, partner_id=partner_id)
        exchange = await primary_exchange(session, document_id)
    return document, exchange


async def get_document(request: web.Request, partner_id: str | None, prefix: str) -> web.Response:
    document, exchange = await load(request, partner_id)
    return json_response(document_view(document, exchange, prefix=prefix))


async def list_documents(
    request: web.Request, partner_id: str | None, prefix: str
) -> web.Response:
    limit = query_limit(request)
    async with database(request).read() as session:
        rows = await documents_repo.list_documents(
            session, partner_id=partner_id or query_text(request, "partner_id"),
            direction=query_choice(request, "direction", ("inbound", "outbound")),
            document_type=query_text(request, "document_type"),
            after=query_text(request, "after"), limit=limit,
        )
    return json_response(page(rows, limit, lambda d: document_view(d, None, prefix=prefix),
                              lambda d: d.id))


async def get_xml(request: web.Request, partner_id: str | None) -> web.Response:
    document, exchange = await load(request, partner_id)
    if document.content_type == XML_MEDIA_TYPE:
        return web.Response(body=document.raw, content_type=XML_MEDIA_TYPE)
    xml = await _wire_xml(request, document, exchange, partner_id)
    return web.Response(body=xml, content_type=XML_MEDIA_TYPE)


async def _wire_xml(
    request: web.Request, document: Document, exchange: Exchange | None, partner_id: str | None
) -> bytes:
    """The UBL of a JSON document: the rendered copy that was sent, else rendered now."""
    if exchange is not None and exchange.document_id not in (None, document.id):
        async with database(request).read() as session:
            wire = await documents_repo.get_document(
                session, str(exchange.document_id), partner_id=partner_id
            )
        return wire.raw
    if document.canonical is None or document.document_type is None:
        raise NotFound(f"document {document.id} has no XML form: it could not be read",
                       code="no-xml-form")
    model, _ = json_to_model(document.canonical, document.document_type, complete=False)
    return model_to_xml(model, document.document_type)


async def get_json(request: web.Request, partner_id: str | None) -> web.Response:
    document, _ = await load(request, partner_id)
    if document.canonical is None:
        raise NotFound(f"document {document.id} has no JSON form: it could not be read",
                       code="no-json-form")
    headers = {"X-Gateway-Document-Type": document.document_type or ""}
    return json_response(document.canonical, headers=headers)


async def get_findings(request: web.Request, partner_id: str | None) -> web.Response:
    document, _ = await load(request, partner_id)
    fatal = [f for f in document.findings if f.get("severity") == Severity.FATAL.value]
    return json_response({
        "document_id": document.id,
        "document_type": document.document_type,
        "valid": not fatal,
        "findings": document.findings,
    })


async def get_events(request: web.Request, partner_id: str | None) -> web.Response:
    document, exchange = await load(request, partner_id)
    body: dict[str, Any] = {"document_id": document.id, "exchange_id": None, "state": None,
                            "events": [], "acknowledgements": []}
    if exchange is not None:
        async with database(request).read() as session:
            events = await exchanges_repo.list_events(session, exchange.id)
            acks = await exchanges_repo.list_acknowledgements(session, exchange.id)
        body |= {"exchange_id": exchange.id, "state": exchange.state,
                 "events": [event_view(e) for e in events],
                 "acknowledgements": [acknowledgement_view(a) for a in acks]}
    return json_response(body)


MEDIA_TYPES = (XML_MEDIA_TYPE, JSON_MEDIA_TYPE)
