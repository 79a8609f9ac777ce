"""Admin web UI accounts and sessions (migration 0002).

A session row is created at sign-in; the browser holds a random token in an HttpOnly cookie
and the row holds only its SHA-256, plus the CSRF token bound to that session.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db.base import HASH_LENGTH, ID_LENGTH, Base, UtcDateTime, id_column


class AdminUser(Base):
    """An operator who signs in to the admin web UI."""

    __tablename__ = "admin_users"

    id: Mapped[str] = id_column()
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    """``scrypt$n$r$p$<salt hex>$<hash hex>`` (gateway.admin.passwords)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AdminSession(Base):
    """A signed-in browser session of an admin user."""

    __tablename__ = "admin_sessions"

    id: Mapped[str] = id_column()
    token_hash: Mapped[str] = mapped_column(String(HASH_LENGTH), unique=True)
    user_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("admin_users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(HASH_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
