"""Admin web UI accounts and their sign-in sessions.

Self-contained like 0001 (plain SQLAlchemy types, no model imports). Passwords are stored as
scrypt hashes with a per-user salt (gateway.admin.passwords); sessions store only the SHA-256
of the cookie token, so a leaked table does not sign anyone in.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 36
HASH = 64


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _str(name: str, length: int, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "admin_users", _str("id", ID), _str("username", 64), _str("password_hash", 256),
        _time("created_at"), _time("updated_at"), _time("disabled_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_users")),
        sa.UniqueConstraint("username", name=op.f("uq_admin_users_username")),
    )
    op.create_table(
        "admin_sessions", _str("id", ID), _str("token_hash", HASH), _str("user_id", ID),
        _str("csrf_token", HASH), _time("created_at"), _time("expires_at"),
        sa.ForeignKeyConstraint(["user_id"], ["admin_users.id"],
                                name=op.f("fk_admin_sessions_user_id_admin_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_admin_sessions_token_hash")),
    )
    op.create_index(op.f("ix_admin_sessions_user_id"), "admin_sessions", ["user_id"])
    op.create_index(op.f("ix_admin_sessions_expires_at"), "admin_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_table("admin_sessions")
    op.drop_table("admin_users")
