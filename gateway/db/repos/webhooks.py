"""Webhook subscriptions and deliveries (the outbox of webhook events).

`enqueue_event` fans an event out to the matching active subscriptions in the caller's
transaction (with the state change that caused it). Workers then `claim_deliveries` under a
lease (FOR UPDATE SKIP LOCKED on PostgreSQL, like gateway.exchange.outbox), post them, and
report `mark_delivered`, `schedule_retry` (exponential backoff with jitter, then dead letter)
or `dead_letter`. `replay_delivery` is the admin's way to send one again; the event id stays
the same so receivers can de-duplicate.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from gateway import audit
from gateway.db.base import new_id, require_aware
from gateway.db.repos._common import page
from gateway.db.tables.webhooks import WebhookDelivery, WebhookSubscription
from gateway.errors import Conflict, InputError, NotFound
from gateway.exchange.retry import RetryPolicy, backoff_delay, exhausted

ALL_EVENTS = "*"
DEFAULT_LEASE = timedelta(minutes=2)
MAX_ERROR_LENGTH = 4000
_SECRET_REF_KINDS = ("env:", "file:")


class DeliveryLeaseLost(Conflict):
    code = "lease-lost"


# --- subscriptions ----------------------------------------------------------------------------


def _check_subscription(url: str, event_types: Sequence[str],
                        signing_keys: Sequence[Mapping[str, str]]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise InputError(f"webhook URL {url!r} must be an absolute http(s) URL")
    if not event_types or any(not t or len(t) > 64 for t in event_types):
        raise InputError("a webhook subscription needs event types (1-64 characters each, or *)")
    for key in signing_keys:
        if set(key) != {"key_id", "secret_ref"}:
            raise InputError("each signing key is {'key_id': ..., 'secret_ref': ...}")
        if not key["secret_ref"].startswith(_SECRET_REF_KINDS):
            raise InputError(
                f"secret_ref {key['secret_ref']!r} must be env:NAME or file:/path; "
                "secrets are not stored in the database"
            )


async def create_subscription(
    session: AsyncSession,
    *,
    url: str,
    event_types: Iterable[str],
    now: datetime,
    actor: str,
    partner_id: str | None = None,
    signing_keys: Iterable[Mapping[str, str]] = (),
) -> WebhookSubscription:
    """Subscribe `url` to event types ("*" for all). partner_id None: the internal systems."""
    types = sorted(set(event_types))
    keys = [dict(k) for k in signing_keys]
    _check_subscription(url, types, keys)
    now = require_aware(now, "now")
    row = WebhookSubscription(partner_id=partner_id, url=url, event_types=types,
                              signing_keys=keys, active=True, created_at=now, updated_at=now)
    session.add(row)
    await session.flush()
    audit.record(session, actor=actor, action="webhook.subscription.created",
                 subject_type="webhook_subscription", subject_id=row.id, at=now,
                 data={"partner_id": partner_id, "url": url, "event_types": types,
                       "key_ids": [k["key_id"] for k in keys]})
    return row


async def get_subscription(
    session: AsyncSession, subscription_id: str, *, partner_id: str | None = None
) -> WebhookSubscription:
    row = await session.get(WebhookSubscription, subscription_id)
    if row is None or (partner_id is not None and row.partner_id != partner_id):
        raise NotFound(f"webhook subscription {subscription_id} not found")
    return row


async def set_subscription_active(
    session: AsyncSession, subscription_id: str, active: bool, *, now: datetime, actor: str
) -> WebhookSubscription:
    row = await get_subscription(session, subscription_id)
    row.active = active
    row.updated_at = require_aware(now, "now")
    await session.flush()
    audit.record(session, actor=actor, action="webhook.subscription.active",
                 subject_type="webhook_subscription", subject_id=row.id, at=now,
                 data={"active": active})
    return row


async def list_subscriptions(
    session: AsyncSession, *, partner_id: str | None = None, internal: bool = False,
    active_only: bool = False,
) -> Sequence[WebhookSubscription]:
    """A partner's subscriptions, or (internal=True) the internal systems' ones."""
    stmt = select(WebhookSubscription)
    if internal:
        stmt = stmt.where(WebhookSubscription.partner_id.is_(None))
    elif partner_id is not None:
        stmt = stmt.where(WebhookSubscription.partner_id == partner_id)
    if active_only:
        stmt = stmt.where(WebhookSubscription.active.is_(True))
    return (await session.scalars(stmt.order_by(WebhookSubscription.id))).all()


def _wants(subscription: WebhookSubscription, event_type: str) -> bool:
    return ALL_EVENTS in subscription.event_types or event_type in subscription.event_types


# --- deliveries -------------------------------------------------------------------------------


async def enqueue_event(
    session: AsyncSession,
    *,
    event_type: str,
    payload: Mapping[str, Any],
    now: datetime,
    partner_id: str | None = None,
    include_internal: bool = True,
    event_id: str | None = None,
) -> list[WebhookDelivery]:
    """One pending delivery per active subscription that wants `event_type`: the partner's
    (when `partner_id` is given) and the internal systems' (unless include_internal=False)."""
    now = require_aware(now, "now")
    owners = [WebhookSubscription.partner_id == partner_id] if partner_id is not None else []
    if include_internal:
        owners.append(WebhookSubscription.partner_id.is_(None))
    if not owners:
        return []
    stmt = select(WebhookSubscription).where(
        WebhookSubscription.active.is_(True), or_(*owners)
    ).order_by(WebhookSubscription.id)
    event_id = event_id or new_id()
    deliveries = [
        WebhookDelivery(subscription_id=sub.id, event_id=event_id, event_type=event_type,
                        payload=dict(payload), status="pending", attempts=0,
                        next_attempt_at=now, created_at=now)
        for sub in (await session.scalars(stmt)).all()
        if _wants(sub, event_type)
    ]
    session.add_all(deliveries)
    await session.flush()
    return deliveries


def _due(now: datetime) -> Any:
    return or_(
        and_(WebhookDelivery.status.in_(("pending", "retry_wait")),
             WebhookDelivery.next_attempt_at <= now),
        and_(WebhookDelivery.status == "delivering", WebhookDelivery.lease_until < now),
    )


async def claim_deliveries(
    session: AsyncSession,
    *,
    worker_id: str,
    now: datetime,
    limit: int = 20,
    lease: timedelta = DEFAULT_LEASE,
    policy: RetryPolicy | None = None,
) -> list[WebhookDelivery]:
    """Claim due deliveries (status becomes "delivering"); see gateway.exchange.outbox."""
    if limit < 1:
        raise InputError(f"limit must be at least 1, got {limit}")
    now = require_aware(now, "now")
    policy = policy or RetryPolicy()
    stmt = (
        select(WebhookDelivery).where(_due(now))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)
        .with_for_update(skip_locked=True).execution_options(populate_existing=True)
    )
    claimed = []
    for delivery in (await session.scalars(stmt)).all():
        if delivery.status == "delivering" and exhausted(delivery.attempts, policy):
            _finish(delivery, "dead_letter", f"lease of {delivery.claimed_by} expired on the "
                    "last allowed attempt")
            continue
        delivery.status = "delivering"
        delivery.attempts += 1
        delivery.claimed_by = worker_id
        delivery.lease_until = now + lease
        claimed.append(delivery)
    await _flush(session)
    return claimed


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except StaleDataError:
        raise Conflict("a webhook delivery was changed concurrently; retry") from None


def _finish(delivery: WebhookDelivery, status: str, error: str | None) -> None:
    delivery.status = status
    delivery.claimed_by = None
    delivery.lease_until = None
    if error is not None:
        delivery.last_error = error[:MAX_ERROR_LENGTH]
    if status in ("delivered", "dead_letter"):
        delivery.next_attempt_at = None


async def _held(session: AsyncSession, delivery_id: str, worker_id: str) -> WebhookDelivery:
    stmt = (select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
            .execution_options(populate_existing=True))
    delivery = (await session.scalars(stmt)).one_or_none()
    if delivery is None:
        raise NotFound(f"webhook delivery {delivery_id} not found")
    if delivery.status != "delivering" or delivery.claimed_by != worker_id:
        raise DeliveryLeaseLost(f"worker {worker_id} no longer holds delivery {delivery_id}")
    return delivery


async def mark_delivered(
    session: AsyncSession, delivery_id: str, *, worker_id: str, now: datetime,
    response_status: int,
) -> WebhookDelivery:
    delivery = await _held(session, delivery_id, worker_id)
    _finish(delivery, "delivered", None)
    delivery.response_status = response_status
    delivery.delivered_at = require_aware(now, "now")
    await _flush(session)
    return delivery


async def schedule_retry(
    session: AsyncSession,
    delivery_id: str,
    *,
    worker_id: str,
    now: datetime,
    error: str,
    response_status: int | None = None,
    policy: RetryPolicy | None = None,
    rng: Callable[[], float] = random.random,
) -> WebhookDelivery:
    """Retry later with backoff, or dead-letter when the attempts are used up."""
    policy = policy or RetryPolicy()
    now = require_aware(now, "now")
    delivery = await _held(session, delivery_id, worker_id)
    delivery.response_status = response_status
    if exhausted(delivery.attempts, policy):
        _finish(delivery, "dead_letter", error)
    else:
        _finish(delivery, "retry_wait", error)
        delivery.next_attempt_at = now + backoff_delay(delivery.attempts, policy, rng)
    await _flush(session)
    return delivery


async def dead_letter(
    session: AsyncSession, delivery_id: str, *, worker_id: str, now: datetime, error: str,
    response_status: int | None = None,
) -> WebhookDelivery:
    """A permanent failure (e.g. the receiver answered 410 Gone): dead-letter at once."""
    require_aware(now, "now")
    delivery = await _held(session, delivery_id, worker_id)
    delivery.response_status = response_status
    _finish(delivery, "dead_letter", error)
    await _flush(session)
    return delivery


async def replay_delivery(
    session: AsyncSession, delivery_id: str, *, now: datetime, actor: str,
    partner_id: str | None = None,
) -> WebhookDelivery:
    """Admin (or partner, with partner_id) action: deliver a dead-lettered or delivered
    event again, with fresh attempts and the same event id."""
    stmt = (select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
            .execution_options(populate_existing=True))
    delivery = (await session.scalars(stmt)).one_or_none()
    if delivery is not None and partner_id is not None:
        sub = await session.get(WebhookSubscription, delivery.subscription_id)
        delivery = delivery if sub is not None and sub.partner_id == partner_id else None
    if delivery is None:
        raise NotFound(f"webhook delivery {delivery_id} not found")
    if delivery.status not in ("dead_letter", "delivered"):
        raise Conflict(f"only dead-lettered or delivered webhooks can be replayed, "
                       f"this one is {delivery.status}")
    now = require_aware(now, "now")
    previous = delivery.status
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = now
    await _flush(session)
    audit.record(session, actor=actor, action="webhook.delivery.replayed",
                 subject_type="webhook_delivery", subject_id=delivery.id, at=now,
                 data={"event_id": delivery.event_id, "previous_status": previous})
    return delivery


async def list_deliveries(
    session: AsyncSession,
    *,
    subscription_id: str | None = None,
    status: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Sequence[WebhookDelivery]:
    stmt = select(WebhookDelivery)
    if subscription_id is not None:
        stmt = stmt.where(WebhookDelivery.subscription_id == subscription_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return (await session.scalars(page(stmt, WebhookDelivery.id, after=after, limit=limit))).all()
