"""Small builders shared by the database tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.repos import exchanges, partners
from gateway.db.tables.exchanges import Exchange
from gateway.db.tables.partners import Partner
from gateway.exchange import outbox
from gateway.exchange.states import Direction, State

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ADMIN = "admin:test"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def make_partner(session: AsyncSession, prefix: str = "acme") -> Partner:
    return await partners.create_partner(
        session, name=f"{prefix.title()} Ltd", key_prefix=prefix, now=T0, actor=ADMIN
    )


async def make_queued(
    session: AsyncSession, partner_id: str | None, message_id: str, *, now: datetime = T0
) -> Exchange:
    """An outbound exchange moved created -> validated -> queued (due at `now`)."""
    exchange = await exchanges.create_exchange(
        session, direction=Direction.OUTBOUND, message_id=message_id, now=now, actor=ADMIN,
        partner_id=partner_id, document_type="invoice",
    )
    await exchanges.transition(session, exchange, State.VALIDATED, now=now, actor=ADMIN)
    await outbox.enqueue(session, exchange, now=now, actor=ADMIN)
    return exchange
