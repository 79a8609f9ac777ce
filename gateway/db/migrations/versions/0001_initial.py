"""The initial schema: partners, documents, exchanges, outbox, webhooks, idempotency, audit.

Self-contained on purpose: a migration must keep creating the same schema when the models
change later, so it uses plain SQLAlchemy types (UtcDateTime is DateTime(timezone=True) in
the database) rather than importing the models.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 36
HASH = 64
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DIRECTION_CHECK = "direction IN ('inbound', 'outbound')"


def _id() -> sa.Column[str]:
    return sa.Column("id", sa.String(ID), nullable=False)


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _str(name: str, length: int, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length), nullable=nullable)


def _json(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, JSON, nullable=nullable)


def _pk(table: str, column: str = "id") -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(column, name=op.f(f"pk_{table}"))


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _uq(table: str, *columns: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint(*columns, name=op.f(f"uq_{table}_{'_'.join(columns)}"))


def _ck(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def _index(table: str, *columns: str) -> None:
    op.create_index(op.f(f"ix_{table}_{'_'.join(columns)}"), table, list(columns))


def _partner_tables() -> None:
    op.create_table(
        "partners", _id(), _str("name", 200), _str("key_prefix", 16), _str("status", 16),
        _json("settings"), _time("created_at"), _time("updated_at"),
        _ck("partners", "status", "status IN ('active', 'suspended')"),
        _pk("partners"), _uq("partners", "key_prefix"),
    )
    op.create_table(
        "api_keys", _id(), _str("key_id", 16), _str("partner_id", ID), _str("label", 200),
        _str("secret_hash", HASH), _time("created_at"), _time("last_used_at", nullable=True),
        _time("revoked_at", nullable=True),
        _fk("api_keys", "partner_id", "partners", "CASCADE"), _pk("api_keys"),
        _uq("api_keys", "key_id"),
    )
    _index("api_keys", "partner_id")
    op.create_table(
        "partner_capabilities", _id(), _str("partner_id", ID), _str("document_type", 64),
        _time("created_at"),
        _fk("partner_capabilities", "partner_id", "partners", "CASCADE"),
        _pk("partner_capabilities"), _uq("partner_capabilities", "partner_id", "document_type"),
    )
    op.create_table(
        "partner_certificates", _id(), _str("partner_id", ID), _str("purpose", 32),
        sa.Column("pem", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=False), _str("serial_number", 64),
        _time("not_before"), _time("not_after"), _str("fingerprint_sha256", HASH),
        _time("created_at"),
        _fk("partner_certificates", "partner_id", "partners", "CASCADE"),
        _pk("partner_certificates"),
        _uq("partner_certificates", "partner_id", "fingerprint_sha256"),
    )
    _index("partner_certificates", "not_after")
    _index("partner_certificates", "partner_id")
    op.create_table(
        "partner_endpoints", _id(), _str("partner_id", ID), _str("transport", 32),
        _str("url", 2048, nullable=True), _json("settings"),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _time("created_at"), _time("updated_at"),
        _fk("partner_endpoints", "partner_id", "partners", "CASCADE"), _pk("partner_endpoints"),
    )
    _index("partner_endpoints", "partner_id")
    op.create_table(
        "partner_identifiers", _id(), _str("partner_id", ID), _str("scheme", 8),
        _str("value", 160), _str("value_key", 160), _time("created_at"),
        _fk("partner_identifiers", "partner_id", "partners", "CASCADE"),
        _pk("partner_identifiers"), _uq("partner_identifiers", "scheme", "value_key"),
    )
    _index("partner_identifiers", "partner_id")


def _document_tables() -> None:
    op.create_table(
        "documents", _id(), _str("partner_id", ID, nullable=True), _str("direction", 8),
        _str("document_type", 64, nullable=True), _str("message_id", 255),
        _str("content_type", 100), sa.Column("raw", sa.LargeBinary(), nullable=False),
        _str("sha256", HASH), sa.Column("size", sa.Integer(), nullable=False),
        _json("canonical", nullable=True), _json("findings"), _time("created_at"),
        _ck("documents", "direction", DIRECTION_CHECK),
        _fk("documents", "partner_id", "partners", "SET NULL"), _pk("documents"),
        _uq("documents", "partner_id", "direction", "message_id", "sha256"),
    )
    _index("documents", "message_id")
    _index("documents", "partner_id")


def _exchange_tables() -> None:
    op.create_table(
        "exchanges", _id(), _str("partner_id", ID, nullable=True), _str("direction", 8),
        _str("state", 32), _str("document_type", 64, nullable=True), _str("message_id", 255),
        _str("document_id", ID, nullable=True), _str("source_document_id", ID, nullable=True),
        _str("endpoint_id", ID, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _time("next_attempt_at", nullable=True), _str("claimed_by", 200, nullable=True),
        _time("lease_until", nullable=True), sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _time("created_at"), _time("updated_at"),
        _ck("exchanges", "direction", DIRECTION_CHECK),
        _ck("exchanges", "attempts", "attempts >= 0"),
        _fk("exchanges", "document_id", "documents", "RESTRICT"),
        _fk("exchanges", "endpoint_id", "partner_endpoints", "SET NULL"),
        _fk("exchanges", "partner_id", "partners", "SET NULL"),
        _fk("exchanges", "source_document_id", "documents", "RESTRICT"),
        _pk("exchanges"),
    )
    _index("exchanges", "direction", "state", "next_attempt_at")
    _index("exchanges", "message_id")
    _index("exchanges", "partner_id")
    _index("exchanges", "state", "lease_until")
    op.create_table(
        "acknowledgements", _id(), _str("exchange_id", ID), _str("kind", 32),
        _str("direction", 8), _str("status", 32, nullable=True),
        _str("document_id", ID, nullable=True), _str("ack_exchange_id", ID, nullable=True),
        _json("detail"), _time("created_at"),
        _ck("acknowledgements", "direction", DIRECTION_CHECK),
        _ck("acknowledgements", "kind",
            "kind IN ('receipt', 'mdn', 'mlr', 'invoice_response', 'order_response')"),
        _fk("acknowledgements", "ack_exchange_id", "exchanges", "SET NULL"),
        _fk("acknowledgements", "document_id", "documents", "RESTRICT"),
        _fk("acknowledgements", "exchange_id", "exchanges", "CASCADE"),
        _pk("acknowledgements"),
    )
    _index("acknowledgements", "exchange_id")
    op.create_table(
        "exchange_events", _id(), _str("exchange_id", ID),
        sa.Column("version", sa.Integer(), nullable=False),
        _str("from_state", 32, nullable=True), _str("to_state", 32), _time("at"),
        _str("actor", 200), _json("detail"),
        _fk("exchange_events", "exchange_id", "exchanges", "CASCADE"), _pk("exchange_events"),
        _uq("exchange_events", "exchange_id", "version"),
    )


def _webhook_tables() -> None:
    op.create_table(
        "webhook_subscriptions", _id(), _str("partner_id", ID, nullable=True),
        _str("url", 2048), _json("event_types"), _json("signing_keys"),
        sa.Column("active", sa.Boolean(), nullable=False), _time("created_at"),
        _time("updated_at"),
        _fk("webhook_subscriptions", "partner_id", "partners", "CASCADE"),
        _pk("webhook_subscriptions"),
    )
    _index("webhook_subscriptions", "partner_id")
    op.create_table(
        "webhook_deliveries", _id(), _str("subscription_id", ID), _str("event_id", ID),
        _str("event_type", 64), _json("payload"), _str("status", 16),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _time("next_attempt_at", nullable=True), _str("claimed_by", 200, nullable=True),
        _time("lease_until", nullable=True), sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False), _time("created_at"),
        _time("delivered_at", nullable=True),
        _ck("webhook_deliveries", "status",
            "status IN ('pending', 'delivering', 'retry_wait', 'delivered', 'dead_letter')"),
        _fk("webhook_deliveries", "subscription_id", "webhook_subscriptions", "CASCADE"),
        _pk("webhook_deliveries"),
    )
    _index("webhook_deliveries", "status", "next_attempt_at")
    _index("webhook_deliveries", "subscription_id")


def _idempotency_table() -> None:
    op.create_table(
        "idempotency_keys", _id(), _str("scope", 64), _str("key", 255),
        _str("request_hash", HASH), sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        _str("response_content_type", 100, nullable=True), _time("created_at"),
        _time("completed_at", nullable=True),
        _pk("idempotency_keys"), _uq("idempotency_keys", "scope", "key"),
    )
    _index("idempotency_keys", "created_at")


AUDIT_GUARDS = {
    "sqlite": [
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
    ],
}


def _audit_table() -> None:
    op.create_table(
        "audit_log", sa.Column("seq", SEQ, autoincrement=False, nullable=False),
        _time("at"), _str("actor", 200), _str("action", 100), _str("subject_type", 50),
        _str("subject_id", 100), sa.Column("data", sa.Text(), nullable=False),
        _str("prev_hash", HASH), _str("entry_hash", HASH),
        _pk("audit_log", "seq"), _uq("audit_log", "entry_hash"),
    )
    # Append-only in the database too: an UPDATE or DELETE needs the trigger dropped first,
    # and `gateway audit verify` still detects what was changed.
    for statement in AUDIT_GUARDS[op.get_bind().dialect.name]:
        op.execute(statement)


def upgrade() -> None:
    _partner_tables()
    _document_tables()
    _exchange_tables()
    _webhook_tables()
    _idempotency_table()
    _audit_table()


def downgrade() -> None:
    for table in (
        "audit_log", "idempotency_keys", "webhook_deliveries", "webhook_subscriptions",
        "exchange_events", "acknowledgements", "exchanges", "documents", "partner_identifiers",
        "partner_endpoints", "partner_certificates", "partner_capabilities", "api_keys",
        "partners",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
