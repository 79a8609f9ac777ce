"""Business events the exchange engine publishes to webhook subscriptions.

An event is enqueued in the same transaction as the state change it reports (the webhook
outbox, gateway.db.repos.webhooks), so a committed state change always has its event and a
rolled-back one never does. The dispatcher (gateway.webhooks.dispatcher) posts it, signed.

Event types:
  document.received   an inbound document was accepted and routed (data carries its JSON)
  document.rejected   an inbound document was rejected (data carries the findings)
  document.delivered  an outbound document was delivered (data carries the receipt)
  document.failed     an outbound document reached the dead-letter state
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.repos import webhooks as webhooks_repo
from gateway.db.tables.documents import Document
from gateway.db.tables.exchanges import Exchange
from gateway.webhooks.delivery import event_payload, new_event

DOCUMENT_RECEIVED = "document.received"
DOCUMENT_REJECTED = "document.rejected"
DOCUMENT_DELIVERED = "document.delivered"
DOCUMENT_FAILED = "document.failed"
EVENT_TYPES = (DOCUMENT_RECEIVED, DOCUMENT_REJECTED, DOCUMENT_DELIVERED, DOCUMENT_FAILED)


async def emit(
    session: AsyncSession,
    event_type: str,
    data: Mapping[str, Any],
    *,
    now: datetime,
    partner_id: str | None = None,
) -> str:
    """Enqueue one event for the internal subscriptions (and the partner's, when given);
    returns the event id, stable across retries and replays of every delivery."""
    event = new_event(event_type, data, now=now)
    event_payload(event)  # refuse data that cannot be sent, here rather than in the worker
    await webhooks_repo.enqueue_event(
        session, event_type=event_type, payload=dict(event.data), now=now,
        partner_id=partner_id, event_id=event.event_id,
    )
    return event.event_id


def exchange_data(exchange: Exchange, document: Document | None = None) -> dict[str, Any]:
    """The event data that identifies an exchange and its document."""
    data: dict[str, Any] = {
        "exchange_id": exchange.id,
        "direction": exchange.direction,
        "state": exchange.state,
        "partner_id": exchange.partner_id,
        "message_id": exchange.message_id,
        "document_type": exchange.document_type,
        "document_id": exchange.document_id,
    }
    if document is not None:
        data["sha256"] = document.sha256
        data["size"] = document.size
    return data
