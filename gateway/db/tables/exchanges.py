"""Exchange records, their timestamped state events, and linked acknowledgements.

An exchange is one message in one direction with one partner. Its `state` moves only along the
transitions of gateway.exchange.states; each move bumps `version` (optimistic concurrency:
SQLAlchemy's version counter makes a concurrent update fail instead of overwriting) and writes
an `ExchangeEvent` with the same version, so the events of an exchange are totally ordered.

Outbound exchanges are also the outbox: `next_attempt_at`, `claimed_by` and `lease_until`
are how workers claim them (gateway.exchange.outbox).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db.base import ID_LENGTH, Base, JsonType, UtcDateTime, id_column
from gateway.db.tables.documents import DIRECTION_CHECK, MESSAGE_ID_LENGTH

ACKNOWLEDGEMENT_KINDS = ("receipt", "mdn", "mlr", "invoice_response", "order_response")


def _document_fk() -> Mapped[Any]:
    return mapped_column(String(ID_LENGTH), ForeignKey("documents.id", ondelete="RESTRICT"))


class Exchange(Base):
    __tablename__ = "exchanges"
    __table_args__ = (
        CheckConstraint(DIRECTION_CHECK, name="direction"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index(None, "direction", "state", "next_attempt_at"),
        Index(None, "state", "lease_until"),
    )

    id: Mapped[str] = id_column()
    partner_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("partners.id", ondelete="SET NULL"), index=True
    )
    direction: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(32))
    document_type: Mapped[str | None] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(MESSAGE_ID_LENGTH), index=True)
    """Kept across retries and replays, so receivers can de-duplicate."""
    document_id: Mapped[str | None] = _document_fk()
    """The business document on the wire (sent or received)."""
    source_document_id: Mapped[str | None] = _document_fk()
    """For outbound: what the internal system submitted (e.g. the JSON) before conversion."""
    endpoint_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("partner_endpoints.id", ondelete="SET NULL")
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declared name


class ExchangeEvent(Base):
    """One state change of an exchange; `version` is the exchange's version after it."""

    __tablename__ = "exchange_events"
    __table_args__ = (UniqueConstraint("exchange_id", "version"),)

    id: Mapped[str] = id_column()
    exchange_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("exchanges.id", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column(Integer)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)


class Acknowledgement(Base):
    """A receipt, MDN, MLR, Invoice Response or Order Response linked to an exchange.

    `direction` is the acknowledgement's own: inbound when the partner acknowledges our
    outbound exchange, outbound when we acknowledge theirs. `status` is the wire code (MLR/
    Invoice Response response code such as AP, RE, AB; "delivered" for a transport receipt).
    """

    __tablename__ = "acknowledgements"
    __table_args__ = (
        CheckConstraint(DIRECTION_CHECK, name="direction"),
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in ACKNOWLEDGEMENT_KINDS) + ")", name="kind"
        ),
    )

    id: Mapped[str] = id_column()
    exchange_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("exchanges.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(8))
    status: Mapped[str | None] = mapped_column(String(32))
    document_id: Mapped[str | None] = _document_fk()
    """The acknowledgement's own bytes, stored as a document."""
    ack_exchange_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("exchanges.id", ondelete="SET NULL")
    )
    """When the acknowledgement travelled as an exchange of its own (an MLR, a response)."""
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
