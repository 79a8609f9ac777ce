"""Documents and exchanges: the filtered list, the document page (human-readable rendering,
raw XML, findings with rule ids, timeline of events and receipts) and replay of dead letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from gateway.admin import forms
from gateway.admin.queries import (
    PAGE_SIZE,
    ExchangeFilter,
    document_numbers,
    exchanges_of_document,
    list_exchanges,
    partner_names,
    search_partners,
)
from gateway.admin.render import redirect, render
from gateway.admin.rendition import render_document
from gateway.admin.session import form_data
from gateway.api.admin.common import wake_outbox
from gateway.api.http import actor, database, now
from gateway.db.repos import documents as documents_repo
from gateway.db.repos import exchanges as exchanges_repo
from gateway.db.tables.documents import Document
from gateway.db.tables.exchanges import Exchange
from gateway.documents.registry import REGISTRY
from gateway.errors import NotFound
from gateway.exchange import outbox
from gateway.exchange.states import Direction, State, states_of

MAX_RAW_SHOWN = 512 * 1024
MAX_ID = 64
DIRECTIONS = tuple(d.value for d in Direction)
NOTICES = {
    "replayed": "Queued again for delivery.",
    "test-sent": "Test document submitted. Its state and the partner's receipt appear in the "
                 "timeline below; reload the page to follow the delivery.",
}
STATES = tuple(sorted({s.value for d in Direction for s in states_of(d)}))


def _choice(query: Any, name: str, allowed: tuple[str, ...], errors: forms.FieldErrors) -> str:
    value = forms.text(query, name, errors, max_length=64)
    if value and value not in allowed:
        errors[name] = f"{name.replace('_', ' ')}: {value[:40]!r} is not one of the choices"
        return ""
    return value


def _criteria(request: web.Request, errors: forms.FieldErrors) -> ExchangeFilter:
    query = request.query
    partner = forms.text(query, "partner", errors, max_length=MAX_ID)
    created_from = forms.iso_date(forms.text(query, "from", errors, max_length=40), "from",
                                  errors)
    created_to = forms.iso_date(forms.text(query, "to", errors, max_length=40), "to", errors)
    if created_from and created_to and created_from > created_to:
        errors["to"] = "the end date is before the start date"
    return ExchangeFilter(
        partner_id=partner or None,
        document_type=_choice(query, "type", REGISTRY.keys, errors) or None,
        direction=_choice(query, "direction", DIRECTIONS, errors) or None,
        state=_choice(query, "state", STATES, errors) or None,
        created_from=created_from, created_to=created_to,
        search=forms.text(query, "q", errors, max_length=255) or None,
        before=forms.text(query, "before", errors, max_length=MAX_ID) or None,
    )


@dataclass(frozen=True, slots=True)
class ExchangeRow:
    exchange: Exchange
    partner_name: str
    number: str
    document_id: str | None


async def list_page(request: web.Request) -> web.Response:
    errors: forms.FieldErrors = {}
    criteria = _criteria(request, errors)
    async with database(request).read() as session:
        partners = await search_partners(session, limit=1000)
        rows = [] if errors else await list_exchanges(session, criteria)
        names = await partner_names(session, {r.partner_id for r in rows if r.partner_id})
        doc_ids = {d for r in rows for d in (r.document_id, r.source_document_id) if d}
        numbers = await document_numbers(session, doc_ids)
    table = [ExchangeRow(r, names.get(r.partner_id or "", ""),
                         numbers.get(r.source_document_id or "", "")
                         or numbers.get(r.document_id or "", ""),
                         r.source_document_id or r.document_id) for r in rows]
    form = {key: request.query.get(key, "")[:255]
            for key in ("partner", "type", "direction", "state", "from", "to", "q")}
    next_cursor = rows[-1].id if len(rows) == PAGE_SIZE else None
    return render(request, "documents.html", status=400 if errors else 200, context={
        "rows": table, "errors": errors, "form": form, "partners": partners,
        "document_types": REGISTRY.keys, "directions": DIRECTIONS, "states": STATES,
        "next_query": _next_query(request, next_cursor)})


def _next_query(request: web.Request, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    params = {k: v for k, v in request.query.items() if k != "before" and v}
    return str(request.rel_url.with_query({**params, "before": cursor}).query_string)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    what: str
    actor: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ExchangeView:
    exchange: Exchange
    timeline: list[TimelineEntry]
    replayable: bool


async def _exchange_view(session: Any, exchange: Exchange) -> ExchangeView:
    events = await exchanges_repo.list_events(session, exchange.id)
    acks = await exchanges_repo.list_acknowledgements(session, exchange.id)
    timeline = [TimelineEntry(e.at, f"{e.from_state or 'new'} → {e.to_state}", e.actor,
                              dict(e.detail or {})) for e in events]
    timeline += [TimelineEntry(a.created_at, f"{a.kind} ({a.direction})"
                               + (f": {a.status}" if a.status else ""), "",
                               {**dict(a.detail or {}),
                                **({"document_id": a.document_id} if a.document_id else {})})
                 for a in acks]
    timeline.sort(key=lambda entry: entry.at)
    return ExchangeView(exchange, timeline, exchange.state == State.DEAD_LETTER.value)


def _raw_text(document: Document) -> tuple[str, bool]:
    shown = document.raw[:MAX_RAW_SHOWN]
    return shown.decode("utf-8", errors="replace"), len(document.raw) > MAX_RAW_SHOWN


async def _canonical(session: Any, document: Document,
                     exchanges: list[ExchangeView]) -> dict[str, Any] | None:
    """The document's canonical JSON, else that of the other document of its exchange (an
    outbound exchange keeps both what the ERP submitted and the UBL sent)."""
    if document.canonical:
        return document.canonical
    for view in exchanges:
        for other in (view.exchange.source_document_id, view.exchange.document_id):
            if other and other != document.id:
                related = await documents_repo.get_document(session, other)
                if related.canonical:
                    return related.canonical
    return None


async def document_page(request: web.Request) -> web.Response:
    document_id = request.match_info["document_id"]
    if len(document_id) > MAX_ID:
        raise NotFound("document not found")
    async with database(request).read() as session:
        document = await documents_repo.get_document(session, document_id)
        views = [await _exchange_view(session, e)
                 for e in await exchanges_of_document(session, document_id)]
        canonical = await _canonical(session, document, views)
        names = await partner_names(session, {document.partner_id} if document.partner_id
                                    else set())
    raw, truncated = _raw_text(document)
    rendition = render_document(canonical, document.document_type) if canonical else None
    return render(request, "document.html", context={
        "document": document, "partner_name": names.get(document.partner_id or "", ""),
        "exchanges": views, "rendition": rendition, "raw": raw, "raw_truncated": truncated,
        "findings": [f for f in document.findings if isinstance(f, dict)],
        "notice": NOTICES.get(request.query.get("done", ""))})


async def replay(request: web.Request) -> web.Response:
    exchange_id = request.match_info["exchange_id"]
    if len(exchange_id) > MAX_ID:
        raise NotFound("exchange not found")
    form = await form_data(request)
    errors: forms.FieldErrors = {}
    reason = forms.text(form, "reason", errors, max_length=500) or None
    async with database(request).transaction() as session:
        exchange = await outbox.replay(session, exchange_id, now=now(request),
                                       actor=actor(request), reason=reason)
    wake_outbox(request)
    document_id = exchange.source_document_id or exchange.document_id
    if document_id is None:
        return redirect("/ui/documents")
    return redirect(f"/ui/documents/{document_id}?done=replayed")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/documents", list_page)
    router.add_get("/documents/{document_id}", document_page)
    router.add_post("/exchanges/{exchange_id}/replay", replay)
