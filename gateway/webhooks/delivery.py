"""Pure planning for webhook deliveries: the event body, its envelope, when to retry.

The delivery itself is an ordinary send over the HTTP transport (signed when the endpoint has
signing keys), recorded and retried through gateway.db.repos.webhooks; every attempt and
every replay rebuilds the same bytes from the stored row under the same event id, so
receivers de-duplicate on it.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from gateway.errors import InputError
from gateway.exchange.retry import RetryPolicy, backoff_delay, exhausted
from gateway.transports.base import Envelope, is_token, require_aware

EVENT_TYPE = re.compile(r"(?=.{3,64}$)[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
EVENT_TYPE_HEADER = "X-Gateway-Event-Type"
EVENT_CONTENT_TYPE = "application/json"
# A uniform draw in [0, 1); injected so schedules are reproducible in tests.
RandomUnit = Callable[[], float]


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """``{"id", "type", "created_at", "data"}``: the same bytes on every attempt."""

    event_id: str
    event_type: str
    created_at: datetime
    data: Mapping[str, Any] = field(hash=False)

    def __post_init__(self) -> None:
        if not EVENT_TYPE.fullmatch(self.event_type):
            raise InputError(
                f"event type {self.event_type!r} must be dotted lowercase (at most 64 characters),"
                " e.g. invoice.delivered"
            )
        if not is_token(self.event_id):
            raise InputError(f"event id {self.event_id!r} is not a header-safe id")
        require_aware(self.created_at, "WebhookEvent.created_at")
        object.__setattr__(self, "data", MappingProxyType(dict(self.data)))


def new_event(
    event_type: str, data: Mapping[str, Any], *, now: datetime, event_id: str | None = None
) -> WebhookEvent:
    return WebhookEvent(event_id or f"evt_{uuid.uuid4().hex}", event_type, now, data)


def event_payload(event: WebhookEvent) -> bytes:
    """The JSON body, compact with sorted keys: the same event always gives the same bytes.

    Money stays exact: Decimals are written as JSON strings, never floats.
    """
    document = {
        "id": event.event_id,
        "type": event.event_type,
        "created_at": _iso_utc(event.created_at),
        "data": dict(event.data),
    }
    return _canonical_json(document, event.event_id)


def webhook_envelope(event: WebhookEvent, *, sender_id: str, receiver_id: str) -> Envelope:
    """The envelope for ``event``: message id = event id, document type ``event:<type>``, and
    an ``X-Gateway-Event-Type`` header for routing without parsing.

    A worker rebuilds the event from its stored delivery row (event id, type, created_at and
    data), so every attempt and every replay sends the same bytes under the same id.
    """
    return Envelope(
        message_id=event.event_id,
        document_type=f"event:{event.event_type}",
        sender_id=sender_id,
        receiver_id=receiver_id,
        payload=event_payload(event),
        content_type=EVENT_CONTENT_TYPE,
        headers={EVENT_TYPE_HEADER: event.event_type},
    )


def _canonical_json(document: dict[str, Any], event_id: str) -> bytes:
    try:
        text = json.dumps(
            document,
            default=_json_default,
            ensure_ascii=False,
            allow_nan=False,
            separators=(",", ":"),
            sort_keys=True,
        )
    except (TypeError, ValueError) as exc:
        raise InputError(f"event {event_id}: data is not JSON serialisable ({exc})") from None
    return text.encode("utf-8")


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        require_aware(value, "event data datetime")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise InputError(f"event data value of type {type(value).__name__} is not JSON serialisable")


def next_attempt_at(
    attempts: int,
    policy: RetryPolicy,
    *,
    now: datetime,
    rng: RandomUnit = random.random,
    retry_after: timedelta | None = None,
) -> datetime | None:
    """When to try again after ``attempts`` attempts; None once they are used up (dead letter,
    from where an admin can replay).

    The backoff is gateway.exchange.retry's (the same for documents and webhooks); a
    partner's Retry-After (RFC 9110 §10.2.3) is honoured as a lower bound, capped at
    ``policy.max_delay`` so a partner cannot park a message indefinitely.
    """
    require_aware(now, "now")
    if exhausted(attempts, policy):
        return None
    delay = backoff_delay(attempts, policy, rng)
    if retry_after is not None:
        delay = min(max(delay, retry_after), policy.max_delay)
    return now + delay
