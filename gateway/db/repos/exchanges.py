"""Exchange records: creation, state transitions (with events and audit entries), links to
acknowledgements, and the inbound reception with de-duplication.

Every state change goes through `transition`, which checks gateway.exchange.states, bumps
the exchange's version, writes an `ExchangeEvent` and queues an audit entry, all in the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from gateway import audit
from gateway.db.base import require_aware
from gateway.db.repos import documents as documents_repo
from gateway.db.repos._common import page
from gateway.db.tables.documents import Document
from gateway.db.tables.exchanges import (
    ACKNOWLEDGEMENT_KINDS,
    Acknowledgement,
    Exchange,
    ExchangeEvent,
)
from gateway.errors import Conflict, InputError, NotFound
from gateway.exchange.states import Direction, State, check_transition, initial_state
from gateway.findings import Finding


class ConcurrentUpdate(Conflict):
    """Someone else changed the exchange between our read and our write."""

    code = "concurrent-update"
    retryable = True


async def create_exchange(
    session: AsyncSession,
    *,
    direction: Direction | str,
    message_id: str,
    now: datetime,
    actor: str,
    partner_id: str | None = None,
    document_id: str | None = None,
    source_document_id: str | None = None,
    document_type: str | None = None,
    endpoint_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> Exchange:
    """A new exchange in its direction's initial state (created / received), with its event."""
    direction = Direction(direction)
    now = require_aware(now, "now")
    exchange = Exchange(
        direction=direction.value, state=initial_state(direction).value, message_id=message_id,
        partner_id=partner_id, document_id=document_id, source_document_id=source_document_id,
        document_type=document_type, endpoint_id=endpoint_id, attempts=0,
        created_at=now, updated_at=now,
    )
    session.add(exchange)
    await session.flush()  # assigns version 1
    # The event is inserted by the next flush (the next statement or the commit).
    _add_event(session, exchange, None, now=now, actor=actor, detail=detail)
    return exchange


async def transition(
    session: AsyncSession,
    exchange: Exchange,
    to_state: State | str,
    *,
    now: datetime,
    actor: str,
    detail: Mapping[str, Any] | None = None,
) -> ExchangeEvent:
    """Move `exchange` to `to_state` if the state machine allows it (else IllegalTransition).

    Raises ConcurrentUpdate when another transaction changed the exchange since it was read.
    """
    target = check_transition(exchange.direction, exchange.state, to_state)
    now = require_aware(now, "now")
    from_state = exchange.state
    exchange.state = target.value
    exchange.updated_at = now
    await flush_exchange(session, exchange)
    # The event is inserted by the next flush (the next statement or the commit): one
    # flush less per transition. Its (exchange, version) key cannot collide: the versioned
    # UPDATE above succeeded.
    return _add_event(session, exchange, from_state, now=now, actor=actor, detail=detail)


async def flush_exchange(session: AsyncSession, exchange: Exchange) -> None:
    """Flush pending changes; a lost optimistic-version race becomes ConcurrentUpdate."""
    exchange_id = exchange.id  # read now: after a failed flush the row is expired
    try:
        await session.flush()
    except StaleDataError:
        raise ConcurrentUpdate(
            f"exchange {exchange_id} was changed by another transaction; reload and retry"
        ) from None


def _add_event(
    session: AsyncSession,
    exchange: Exchange,
    from_state: str | None,
    *,
    now: datetime,
    actor: str,
    detail: Mapping[str, Any] | None,
) -> ExchangeEvent:
    payload = dict(detail or {})
    event = ExchangeEvent(
        exchange_id=exchange.id, version=exchange.version, from_state=from_state,
        to_state=exchange.state, at=now, actor=actor, detail=payload,
    )
    session.add(event)
    audit.record(
        session, actor=actor, action="exchange.state", subject_type="exchange",
        subject_id=exchange.id, at=now,
        data={
            "direction": exchange.direction, "message_id": exchange.message_id,
            "from": from_state, "to": exchange.state, "version": exchange.version,
            "detail": payload,
        },
    )
    return event


async def get_exchange(
    session: AsyncSession,
    exchange_id: str,
    *,
    partner_id: str | None = None,
    for_update: bool = False,
) -> Exchange:
    """The exchange, freshly read; with `partner_id`, only that partner's (tenant isolation).

    `for_update` locks the row until the transaction ends (PostgreSQL; SQLite's write
    transaction already excludes other writers).
    """
    stmt = select(Exchange).where(Exchange.id == exchange_id)
    if for_update:
        stmt = stmt.with_for_update()
    found = (
        await session.scalars(stmt.execution_options(populate_existing=True))
    ).one_or_none()
    if found is None or (partner_id is not None and found.partner_id != partner_id):
        raise NotFound(f"exchange {exchange_id} not found")
    return found


async def list_events(session: AsyncSession, exchange_id: str) -> Sequence[ExchangeEvent]:
    """The exchange's events, oldest first (ordered by version)."""
    stmt = select(ExchangeEvent).where(ExchangeEvent.exchange_id == exchange_id)
    return (await session.scalars(stmt.order_by(ExchangeEvent.version))).all()


async def list_exchanges(
    session: AsyncSession,
    *,
    partner_id: str | None = None,
    direction: Direction | str | None = None,
    states: Iterable[State | str] | None = None,
    document_type: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Sequence[Exchange]:
    """A page in creation order; pass the last id as `after` for the next page."""
    stmt = select(Exchange)
    if partner_id is not None:
        stmt = stmt.where(Exchange.partner_id == partner_id)
    if direction is not None:
        stmt = stmt.where(Exchange.direction == Direction(direction).value)
    if states is not None:
        stmt = stmt.where(Exchange.state.in_([State(s).value for s in states]))
    if document_type is not None:
        stmt = stmt.where(Exchange.document_type == document_type)
    return (await session.scalars(page(stmt, Exchange.id, after=after, limit=limit))).all()


async def find_by_message_id(
    session: AsyncSession,
    *,
    message_id: str,
    direction: Direction | str | None = None,
    partner_id: str | None = None,
) -> Sequence[Exchange]:
    stmt = select(Exchange).where(Exchange.message_id == message_id)
    if direction is not None:
        stmt = stmt.where(Exchange.direction == Direction(direction).value)
    if partner_id is not None:
        stmt = stmt.where(Exchange.partner_id == partner_id)
    return (await session.scalars(stmt.order_by(Exchange.id))).all()


async def link_acknowledgement(
    session: AsyncSession,
    exchange: Exchange,
    *,
    kind: str,
    direction: Direction | str,
    now: datetime,
    actor: str,
    status: str | None = None,
    document_id: str | None = None,
    ack_exchange_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> Acknowledgement:
    """Link a receipt / MDN / MLR / Invoice Response / Order Response to `exchange`.

    The state change it implies (delivered -> acknowledged or refused) is the caller's call,
    through `transition`, in the same transaction.
    """
    if kind not in ACKNOWLEDGEMENT_KINDS:
        raise InputError(
            f"acknowledgement kind must be one of {', '.join(ACKNOWLEDGEMENT_KINDS)}, got {kind!r}"
        )
    now = require_aware(now, "now")
    ack = Acknowledgement(
        exchange_id=exchange.id, kind=kind, direction=Direction(direction).value, status=status,
        document_id=document_id, ack_exchange_id=ack_exchange_id, detail=dict(detail or {}),
        created_at=now,
    )
    session.add(ack)
    await session.flush()
    audit.record(
        session, actor=actor, action="exchange.acknowledgement", subject_type="exchange",
        subject_id=exchange.id, at=now,
        data={"kind": kind, "direction": ack.direction, "status": status,
              "document_id": document_id, "ack_exchange_id": ack_exchange_id},
    )
    return ack


async def list_acknowledgements(
    session: AsyncSession, exchange_id: str
) -> Sequence[Acknowledgement]:
    stmt = select(Acknowledgement).where(Acknowledgement.exchange_id == exchange_id)
    return (await session.scalars(stmt.order_by(Acknowledgement.id))).all()


@dataclass(frozen=True, slots=True)
class Reception:
    """The result of `receive_inbound`.

    `exchange` is the new inbound exchange (state received, or duplicate). For a duplicate,
    `document` is the first copy and `original` the exchange that first carried it.
    """

    exchange: Exchange
    document: Document
    duplicate: bool
    original: Exchange | None = None


async def receive_inbound(
    session: AsyncSession,
    *,
    partner_id: str | None,
    message_id: str,
    raw: bytes,
    content_type: str,
    now: datetime,
    actor: str,
    document_type: str | None = None,
    canonical: Mapping[str, Any] | None = None,
    findings: Iterable[Finding | Mapping[str, Any]] = (),
) -> Reception:
    """Store an inbound message and open its exchange, de-duplicating on (partner, message id,
    SHA-256): a re-sent message gets an exchange in state `duplicate` that points to the first
    copy of the document, and nothing else is processed for it.
    """
    stored = await documents_repo.store_document(
        session, direction=Direction.INBOUND.value, message_id=message_id, raw=raw,
        content_type=content_type, now=now, partner_id=partner_id, document_type=document_type,
        canonical=canonical, findings=findings,
    )
    exchange = await create_exchange(
        session, direction=Direction.INBOUND, message_id=message_id, now=now, actor=actor,
        partner_id=partner_id, document_id=stored.document.id,
        document_type=stored.document.document_type,
        detail={"sha256": stored.document.sha256, "size": stored.document.size},
    )
    if not stored.duplicate:
        return Reception(exchange=exchange, document=stored.document, duplicate=False)
    original = await _first_exchange_of(session, stored.document.id, exclude=exchange.id)
    await transition(
        session, exchange, State.DUPLICATE, now=now, actor=actor,
        detail={"original_exchange_id": original.id if original else None,
                "document_id": stored.document.id},
    )
    return Reception(exchange=exchange, document=stored.document, duplicate=True,
                     original=original)


async def _first_exchange_of(
    session: AsyncSession, document_id: str, *, exclude: str
) -> Exchange | None:
    stmt = (
        select(Exchange)
        .where(Exchange.document_id == document_id, Exchange.id != exclude)
        .order_by(Exchange.id)
        .limit(1)
    )
    return (await session.scalars(stmt)).first()
