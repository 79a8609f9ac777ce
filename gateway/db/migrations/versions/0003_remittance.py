"""Receivables (open items, payer identities) and remittance ingestion (files, lines).

Self-contained like 0001 (plain SQLAlchemy types, no model imports). Money is NUMERIC(18, 2).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 36
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
OPEN_ITEM_STATES = ("open", "partially_paid", "paid")
LINE_STATES = ("auto_applied", "in_review", "confirmed", "rejected", "unmatched")


def _time(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _str(name: str, length: int, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length), nullable=nullable)


def _money(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Numeric(18, 2), nullable=False)


def _json(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, JSON, nullable=nullable)


def _states(table: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    condition = "state IN (" + ", ".join(f"'{s}'" for s in values) + ")"
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_state"))


def _partner_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["partner_id"], ["partners.id"],
                                   name=op.f(f"fk_{table}_partner_id_partners"),
                                   ondelete="SET NULL")


def _open_items() -> None:
    op.create_table(
        "open_items", _str("id", ID), _str("number", 200), _str("customer_id", 200),
        _str("customer_name", 500, nullable=True), _str("partner_id", ID, nullable=True),
        _str("currency", 3), _money("amount"), _money("open_amount"),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        _str("creditor_reference", 64, nullable=True), _str("state", 16),
        _time("created_at"), _time("updated_at"),
        _states("open_items", OPEN_ITEM_STATES), _partner_fk("open_items"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_items")),
        sa.UniqueConstraint("number", name=op.f("uq_open_items_number")),
    )
    op.create_index(op.f("ix_open_items_customer_id"), "open_items", ["customer_id"])
    op.create_index(op.f("ix_open_items_partner_id"), "open_items", ["partner_id"])


def _payers() -> None:
    op.create_table(
        "payer_identities", _str("id", ID), _str("customer_id", 200), _str("kind", 8),
        _str("value", 500), _time("created_at"),
        sa.CheckConstraint("kind IN ('account', 'name')", name=op.f("ck_payer_identities_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payer_identities")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_payer_identities_kind_value")),
    )
    op.create_index(op.f("ix_payer_identities_customer_id"), "payer_identities",
                    ["customer_id"])


def _files() -> None:
    op.create_table(
        "remittance_files", _str("id", ID), _str("partner_id", ID, nullable=True),
        _str("filename", 255), _str("format", 64), _str("sha256", 64),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False), _time("created_at"),
        _partner_fk("remittance_files"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remittance_files")),
        sa.UniqueConstraint("sha256", name=op.f("uq_remittance_files_sha256")),
    )
    op.create_index(op.f("ix_remittance_files_partner_id"), "remittance_files", ["partner_id"])


def _lines() -> None:
    op.create_table(
        "remittance_lines", _str("id", ID), _str("file_id", ID),
        sa.Column("position", sa.Integer(), nullable=False), _json("line"),
        _str("decision", 8), sa.Column("confidence", sa.Float(), nullable=True),
        _json("match", nullable=True), _json("reasons"), _json("candidates"), _json("flags"),
        _str("duplicate_of", 200, nullable=True), _str("fingerprint", 64, nullable=True),
        sa.Column("booking_date", sa.Date(), nullable=True), _json("allocations"),
        _str("state", 16),
        _time("created_at"), _time("updated_at"),
        _states("remittance_lines", LINE_STATES),
        sa.ForeignKeyConstraint(["file_id"], ["remittance_files.id"],
                                name=op.f("fk_remittance_lines_file_id_remittance_files"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remittance_lines")),
        sa.UniqueConstraint("file_id", "position",
                            name=op.f("uq_remittance_lines_file_id_position")),
    )
    op.create_index(op.f("ix_remittance_lines_state_id"), "remittance_lines", ["state", "id"])
    op.create_index(op.f("ix_remittance_lines_fingerprint"), "remittance_lines",
                    ["fingerprint"])


def upgrade() -> None:
    _open_items()
    _payers()
    _files()
    _lines()


def downgrade() -> None:
    op.drop_table("remittance_lines")
    op.drop_table("remittance_files")
    op.drop_table("payer_identities")
    op.drop_table("open_items")
