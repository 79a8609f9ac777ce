"""Read queries of the UI pages that the repositories do not offer: partner search and the
filtered, searchable list of exchanges with their documents. Same tables, read-only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.tables.documents import Document
from gateway.db.tables.exchanges import Exchange
from gateway.db.tables.partners import Partner, PartnerIdentifier

PAGE_SIZE = 50


def like_pattern(term: str) -> str:
    """``%term%`` with LIKE wildcards in `term` escaped (escape character ``\\``)."""
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_partners(
    session: AsyncSession, *, term: str = "", status: str | None = None, limit: int = 200
) -> Sequence[Partner]:
    """Partners whose name, key prefix or one identifier value contains `term` (any case)."""
    stmt = select(Partner)
    if term:
        pattern = like_pattern(term)
        by_identifier = select(PartnerIdentifier.partner_id).where(
            PartnerIdentifier.value_key.like(pattern, escape="\\"))
        stmt = stmt.where(or_(func.lower(Partner.name).like(pattern, escape="\\"),
                              Partner.key_prefix.like(pattern, escape="\\"),
                              Partner.id.in_(by_identifier)))
    if status:
        stmt = stmt.where(Partner.status == status)
    return (await session.scalars(stmt.order_by(Partner.name, Partner.id).limit(limit))).all()


@dataclass(frozen=True, slots=True)
class ExchangeFilter:
    partner_id: str | None = None
    document_type: str | None = None
    direction: str | None = None
    state: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    """Inclusive: the whole day (UTC)."""
    search: str | None = None
    """A message id, an exchange or document id, or a document number (BT-1 / BT-13)."""
    before: str | None = None
    """Cursor: exchanges older than this id (ids are time-ordered UUIDv7)."""


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _search_condition(term: str) -> ColumnElement[bool]:
    numbered = select(Document.id).where(Document.canonical["id"].as_string() == term)
    return or_(Exchange.message_id == term, Exchange.id == term, Exchange.document_id == term,
               Exchange.source_document_id == term, Exchange.document_id.in_(numbered),
               Exchange.source_document_id.in_(numbered))


def _filtered(criteria: ExchangeFilter) -> Select[Any]:
    stmt = select(Exchange)
    exact = {Exchange.partner_id: criteria.partner_id, Exchange.direction: criteria.direction,
             Exchange.document_type: criteria.document_type, Exchange.state: criteria.state}
    for column, value in exact.items():
        if value:
            stmt = stmt.where(column == value)
    if criteria.created_from is not None:
        stmt = stmt.where(Exchange.created_at >= _day_start(criteria.created_from))
    if criteria.created_to is not None:
        end = _day_start(criteria.created_to) + timedelta(days=1)
        stmt = stmt.where(Exchange.created_at < end)
    if criteria.search:
        stmt = stmt.where(_search_condition(criteria.search))
    if criteria.before:
        stmt = stmt.where(Exchange.id < criteria.before)
    return stmt


async def list_exchanges(
    session: AsyncSession, criteria: ExchangeFilter, *, limit: int = PAGE_SIZE
) -> Sequence[Exchange]:
    """Newest first."""
    stmt = _filtered(criteria).order_by(Exchange.id.desc()).limit(limit)
    rows: Sequence[Exchange] = (await session.scalars(stmt)).all()
    return rows


async def exchanges_of_document(session: AsyncSession, document_id: str) -> Sequence[Exchange]:
    """The exchanges that carried the document (received, sent, or its source)."""
    stmt = (select(Exchange)
            .where(or_(Exchange.document_id == document_id,
                       Exchange.source_document_id == document_id))
            .order_by(Exchange.id))
    return (await session.scalars(stmt)).all()


async def partner_names(session: AsyncSession, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(ids)))
    return {row.id: row.name for row in rows}


async def document_numbers(session: AsyncSession, ids: set[str]) -> dict[str, str]:
    """Document id -> its number (canonical ``id``: BT-1 invoice, BT-13 order)."""
    if not ids:
        return {}
    stmt = select(Document.id, Document.canonical["id"].as_string()).where(Document.id.in_(ids))
    return {row[0]: row[1] for row in await session.execute(stmt) if row[1]}
