"""Webhook subscriptions and deliveries: fan-out, leases, retries, dead letter, replay."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.db.database import Database
from gateway.db.repos import webhooks
from gateway.errors import Conflict, InputError, NotFound
from gateway.exchange.retry import RetryPolicy
from tests.integration.db.helpers import ADMIN, T0, at, make_partner

KEYS = [{"key_id": "k1", "secret_ref": "env:GATEWAY_WEBHOOK_SECRET"}]
POLICY = RetryPolicy(base_delay=timedelta(seconds=5), max_attempts=2, jitter=0.0)


async def _setup(database: Database) -> tuple[str, str, str]:
    async with database.transaction() as session:
        acme = await make_partner(session)
        partner_sub = await webhooks.create_subscription(
            session, url="https://acme.example.com/hook", event_types=["exchange.delivered"],
            partner_id=acme.id, signing_keys=KEYS, now=T0, actor=ADMIN)
        internal_sub = await webhooks.create_subscription(
            session, url="https://erp.internal/hook", event_types=["*"], now=T0, actor=ADMIN)
    return acme.id, partner_sub.id, internal_sub.id


async def test_events_fan_out_to_matching_subscriptions(database: Database) -> None:
    acme_id, partner_sub, internal_sub = await _setup(database)
    async with database.transaction() as session:
        delivered = await webhooks.enqueue_event(
            session, event_type="exchange.delivered", payload={"exchange_id": "x"}, now=T0,
            partner_id=acme_id)
        received = await webhooks.enqueue_event(
            session, event_type="order.received", payload={"order": "o"}, now=T0,
            partner_id=acme_id)
    assert sorted(d.subscription_id for d in delivered) == sorted([partner_sub, internal_sub])
    assert len({d.event_id for d in delivered}) == 1
    assert [d.subscription_id for d in received] == [internal_sub]


async def test_claim_deliver_retry_dead_letter_replay(database: Database) -> None:
    acme_id, partner_sub, _ = await _setup(database)
    async with database.transaction() as session:
        [delivery] = await webhooks.enqueue_event(
            session, event_type="exchange.delivered", payload={"n": 1}, now=T0,
            partner_id=acme_id, include_internal=False)

    async def claim(now_s: float) -> list[str]:
        async with database.transaction() as session:
            return [d.id for d in await webhooks.claim_deliveries(
                session, worker_id="w", now=at(now_s), policy=POLICY)]

    assert await claim(0) == [delivery.id]
    assert await claim(1) == []
    async with database.transaction() as session:
        waiting = await webhooks.schedule_retry(session, delivery.id, worker_id="w", now=at(1),
                                                error="HTTP 500", response_status=500,
                                                policy=POLICY)
    assert waiting.status == "retry_wait"
    assert waiting.next_attempt_at == at(6)
    assert await claim(5) == []
    assert await claim(6) == [delivery.id]
    async with database.transaction() as session:
        dead = await webhooks.schedule_retry(session, delivery.id, worker_id="w", now=at(7),
                                             error="HTTP 500", policy=POLICY)
    assert (dead.status, dead.attempts) == ("dead_letter", 2)
    other = "someone-else"
    with pytest.raises(NotFound):
        async with database.transaction() as session:
            await webhooks.replay_delivery(session, delivery.id, now=at(8), actor=other,
                                           partner_id="not-the-owner")
    async with database.transaction() as session:
        replayed = await webhooks.replay_delivery(session, delivery.id, now=at(8),
                                                  actor=ADMIN, partner_id=acme_id)
    assert (replayed.status, replayed.attempts, replayed.event_id) == (
        "pending", 0, delivery.event_id)
    assert await claim(8) == [delivery.id]
    async with database.transaction() as session:
        done = await webhooks.mark_delivered(session, delivery.id, worker_id="w", now=at(9),
                                             response_status=204)
    assert (done.status, done.delivered_at, done.response_status) == ("delivered", at(9), 204)
    with pytest.raises(Conflict):
        async with database.transaction() as session:
            await webhooks.mark_delivered(session, delivery.id, worker_id="w", now=at(9),
                                          response_status=204)
    async with database.read() as session:
        listed = await webhooks.list_deliveries(session, subscription_id=partner_sub)
    assert [d.id for d in listed] == [delivery.id]


async def test_subscription_validation(database: Database) -> None:
    async with database.transaction() as session:
        for kwargs in (
            {"url": "ftp://x", "event_types": ["*"]},
            {"url": "https://x", "event_types": []},
            {"url": "https://x", "event_types": ["*"],
             "signing_keys": [{"key_id": "k", "secret_ref": "plaintext-secret"}]},
        ):
            with pytest.raises(InputError):
                await webhooks.create_subscription(session, now=T0, actor=ADMIN,
                                                   **kwargs)  # type: ignore[arg-type]
