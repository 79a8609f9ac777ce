"""Webhook subscriptions (a partner's, or the internal systems') and their deliveries.

Deliveries are leased work like the outbound exchanges (gateway.db.repos.webhooks): a worker
claims due rows, posts them, and marks them delivered, schedules a retry, or dead-letters them.
A dead-lettered or delivered delivery can be replayed by an admin.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db.base import ID_LENGTH, Base, JsonType, UtcDateTime, id_column

DELIVERY_STATUSES = ("pending", "delivering", "retry_wait", "delivered", "dead_letter")


class WebhookSubscription(Base):
    """Event types posted to a URL. `partner_id` None: a subscription of the internal systems.

    `signing_keys` is a list of {"key_id": ..., "secret_ref": ...}; the secret itself is never
    stored here. `secret_ref` says where it is ("env:NAME" or "file:/path"), so that keys can be
    rotated (the signer signs with every listed key, see gateway.webhooks.signing).
    """

    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = id_column()
    partner_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    event_types: Mapped[list[str]] = mapped_column(JsonType, default=list)
    signing_keys: Mapped[list[dict[str, str]]] = mapped_column(JsonType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebhookDelivery(Base):
    """One event to post to one subscription. `event_id` is stable across retries and replays."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in DELIVERY_STATUSES) + ")", name="status"
        ),
        Index(None, "status", "next_attempt_at"),
    )

    id: Mapped[str] = id_column()
    subscription_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    response_status: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declared name
