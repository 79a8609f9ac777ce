"""Receivables and remittance ingestion: open items, uploaded remittance files, their lines.

`open_items` is the minimal receivables ledger the matcher works against (loaded through
`POST /admin/v1/open-items` for now). A remittance file is stored once per SHA-256 of its bytes
(re-uploads return the first result); each of its lines keeps the parsed line, the matcher's
decision with its reasons and candidates, and its review state. See docs/remittance.md.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db.base import HASH_LENGTH, ID_LENGTH, Base, JsonType, UtcDateTime, id_column

OPEN_ITEM_STATES = ("open", "partially_paid", "paid")
LINE_STATES = ("auto_applied", "in_review", "confirmed", "rejected", "unmatched")
MONEY = Numeric(18, 2)
"""Two decimals: the minor unit of EUR, USD, GBP, CHF... (Decimal on both dialects)."""


def _states(values: tuple[str, ...]) -> str:
    return "state IN (" + ", ".join(f"'{s}'" for s in values) + ")"


class OpenItemRow(Base):
    """An invoice (or credit note) we issued that a customer still owes money on."""

    __tablename__ = "open_items"
    __table_args__ = (CheckConstraint(_states(OPEN_ITEM_STATES), name="state"),)

    id: Mapped[str] = id_column()
    number: Mapped[str] = mapped_column(String(200), unique=True)
    customer_id: Mapped[str] = mapped_column(String(200), index=True)
    customer_name: Mapped[str | None] = mapped_column(String(500))
    partner_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("partners.id", ondelete="SET NULL"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    open_amount: Mapped[Decimal] = mapped_column(MONEY)
    issue_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    creditor_reference: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PayerIdentity(Base):
    """What identifies a customer as a payer, learned from matches: an account or a name.

    Accounts come from confident automatic matches and from confirmed reviews; names only from
    reviews a person confirmed (the matcher's rule, gateway.remittance.matching.payer). One
    account belongs to one customer: the first to be learned keeps it.
    """

    __tablename__ = "payer_identities"
    __table_args__ = (
        CheckConstraint("kind IN ('account', 'name')", name="kind"),
        UniqueConstraint("kind", "value"),
    )

    id: Mapped[str] = id_column()
    customer_id: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RemittanceFile(Base):
    """One uploaded bank statement, notification or advice file, stored once per checksum."""

    __tablename__ = "remittance_files"

    id: Mapped[str] = id_column()
    partner_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("partners.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(HASH_LENGTH), unique=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)
    line_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RemittanceLineRow(Base):
    """One payment (or advice) line of a file with the matcher's decision and its review state.

    `match` is the applied (auto, confirmed) or proposed (review) match; `allocations` what was
    actually booked against open items ([{open_item_id, number, amount}]).
    """

    __tablename__ = "remittance_lines"
    __table_args__ = (
        CheckConstraint(_states(LINE_STATES), name="state"),
        UniqueConstraint("file_id", "position"),
        Index(None, "state", "id"),
        Index(None, "fingerprint"),
    )

    id: Mapped[str] = id_column()
    file_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("remittance_files.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    line: Mapped[dict[str, Any]] = mapped_column(JsonType)
    decision: Mapped[str] = mapped_column(String(8))
    confidence: Mapped[float | None] = mapped_column(Float)
    match: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    flags: Mapped[list[str]] = mapped_column(JsonType)
    duplicate_of: Mapped[str | None] = mapped_column(String(200))
    fingerprint: Mapped[str | None] = mapped_column(String(HASH_LENGTH))
    """SHA-256 of the duplicate fingerprint (gateway.remittance.matching.duplicates)."""
    booking_date: Mapped[date | None] = mapped_column(Date)
    allocations: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
