"""The outbox: claims under a lease, retries with backoff, dead letter, replay, concurrency."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from gateway.db.database import Database
from gateway.db.repos import exchanges
from gateway.exchange import outbox
from gateway.exchange.outbox import LeaseLost
from gateway.exchange.retry import RetryPolicy
from gateway.exchange.states import IllegalTransition
from tests.integration.db.helpers import T0, at, make_partner, make_queued

LEASE = timedelta(seconds=60)
POLICY = RetryPolicy(base_delay=timedelta(seconds=10), max_attempts=3, jitter=0.2)


async def _claim(db: Database, worker: str, now_s: float, limit: int = 10) -> list[str]:
    async with db.transaction() as session:
        claimed = await outbox.claim_due(session, worker_id=worker, now=at(now_s), limit=limit,
                                         lease=LEASE, policy=POLICY)
        return [e.id for e in claimed]


async def test_claim_moves_to_sending_under_a_lease(database: Database) -> None:
    async with database.transaction() as session:
        partner = await make_partner(session)
        queued = await make_queued(session, partner.id, "m-1")
        future = await make_queued(session, partner.id, "m-2", now=at(50))
        await exchanges.create_exchange(session, direction="inbound", message_id="in-1",
                                        now=T0, actor="as4")
    assert await _claim(database, "w1", 1) == [queued.id]
    assert await _claim(database, "w2", 2) == []  # held by w1, m-2 not due, inbound never
    async with database.read() as session:
        claimed = await exchanges.get_exchange(session, queued.id)
    assert (claimed.state, claimed.claimed_by, claimed.attempts) == ("sending", "w1", 1)
    assert claimed.lease_until == at(1) + LEASE
    assert await _claim(database, "w2", 50) == [future.id]  # due; the lease still runs


async def test_delivered(database: Database) -> None:
    async with database.transaction() as session:
        queued = await make_queued(session, None, "m-1")
    await _claim(database, "w1", 1)
    async with database.transaction() as session:
        done = await outbox.mark_delivered(session, queued.id, worker_id="w1", now=at(2),
                                           detail={"receipt": "r-1"})
    assert (done.state, done.claimed_by, done.lease_until) == ("delivered", None, None)
    assert await _claim(database, "w1", 1000) == []


async def test_retry_backoff_then_dead_letter_then_replay(database: Database) -> None:
    async with database.transaction() as session:
        queued = await make_queued(session, None, "m-1")
    now = 1.0
    for attempt in range(1, POLICY.max_attempts + 1):
        assert await _claim(database, "w1", now) == [queued.id]
        async with database.transaction() as session:
            failed = await outbox.schedule_retry(
                session, queued.id, worker_id="w1", now=at(now), error=f"HTTP 503 #{attempt}",
                policy=POLICY, rng=lambda: 0.999)
        if attempt < POLICY.max_attempts:
            assert failed.state == "retry_wait"
            nominal = 10 * 2 ** (attempt - 1)
            delay = (failed.next_attempt_at - at(now)).total_seconds()  # type: ignore[operator]
            assert nominal * 0.8 <= delay <= nominal * 1.2
            assert await _claim(database, "w1", now + delay - 1) == []  # not yet due
            now += delay
    assert (failed.state, failed.attempts, failed.last_error) == (
        "dead_letter", 3, "HTTP 503 #3")
    assert await _claim(database, "w1", now + 10_000) == []
    async with database.transaction() as session:
        replayed = await outbox.replay(session, queued.id, now=at(now + 1), actor="admin:ops",
                                       reason="endpoint fixed")
        assert [e.id for e in await outbox.list_dead_letters(session)] == []
    assert (replayed.state, replayed.attempts, replayed.message_id) == ("queued", 0, "m-1")
    assert await _claim(database, "w2", now + 2) == [queued.id]
    async with database.read() as session:
        events = await exchanges.list_events(session, queued.id)
    assert [e.to_state for e in events] == [
        "created", "validated", "queued", "sending", "retry_wait", "sending", "retry_wait",
        "sending", "dead_letter", "queued", "sending"]


async def test_dead_letter_at_once_and_replay_rules(database: Database) -> None:
    async with database.transaction() as session:
        queued = await make_queued(session, None, "m-1")
    with pytest.raises(IllegalTransition):
        async with database.transaction() as session:
            await outbox.replay(session, queued.id, now=at(1), actor="admin")
    await _claim(database, "w1", 1)
    async with database.transaction() as session:
        dead = await outbox.dead_letter(session, queued.id, worker_id="w1", now=at(2),
                                        error="HTTP 400: document refused")
    assert dead.state == "dead_letter"


async def test_expired_lease_is_reclaimed_and_the_old_worker_is_fenced(
    database: Database,
) -> None:
    async with database.transaction() as session:
        queued = await make_queued(session, None, "m-1")
    assert await _claim(database, "crashed", 1) == [queued.id]
    assert await _claim(database, "w2", 30) == []  # lease still running
    assert await _claim(database, "w2", 62) == [queued.id]  # lease expired at 61
    with pytest.raises(LeaseLost, match="no longer holds"):
        async with database.transaction() as session:
            await outbox.mark_delivered(session, queued.id, worker_id="crashed", now=at(63))
    async with database.transaction() as session:
        renewed = await outbox.renew_lease(session, queued.id, worker_id="w2", now=at(100),
                                           lease=LEASE)
        assert renewed.lease_until == at(160)
        done = await outbox.mark_delivered(session, queued.id, worker_id="w2", now=at(101))
    assert (done.state, done.attempts) == ("delivered", 2)
    async with database.read() as session:
        events = await exchanges.list_events(session, queued.id)
    takeover = events[-2]
    assert (takeover.from_state, takeover.to_state) == ("sending", "sending")
    assert takeover.detail["lease_takeover_from"] == "crashed"


async def test_message_that_kills_every_worker_ends_in_dead_letter(database: Database) -> None:
    async with database.transaction() as session:
        queued = await make_queued(session, None, "m-1")
    now = 1.0
    for _ in range(POLICY.max_attempts):
        assert await _claim(database, "w", now) == [queued.id]
        now += LEASE.total_seconds() + 1  # the worker dies; its lease runs out
    assert await _claim(database, "w", now) == []
    async with database.read() as session:
        stored = await exchanges.get_exchange(session, queued.id)
    assert stored.state == "dead_letter"
    assert "expired" in (stored.last_error or "")


async def test_concurrent_workers_never_claim_the_same_exchange(
    database: Database, make_database: object
) -> None:
    """Several workers (separate engines, like separate processes) drain one outbox."""
    total = 60
    async with database.transaction() as session:
        for n in range(total):
            await make_queued(session, None, f"m-{n}")
    workers = [make_database() for _ in range(4)]  # type: ignore[operator]
    claims: dict[str, list[str]] = {}

    async def work(index: int, db: Database) -> None:
        name = f"worker-{index}"
        claims[name] = []
        while True:
            ids = await _claim(db, name, 1, limit=3)
            if not ids:
                return
            claims[name].extend(ids)
            await asyncio.sleep(0)  # let the others in while this one "sends"

    await asyncio.gather(*(work(i, db) for i, db in enumerate(workers)))
    every = [exchange_id for ids in claims.values() for exchange_id in ids]
    assert len(every) == total
    assert len(set(every)) == total
    if database.dialect == "postgresql":
        assert sum(1 for ids in claims.values() if ids) > 1  # the work was really shared


async def test_a_claim_in_progress_is_skipped_not_waited_for(
    database: Database, make_database: object
) -> None:
    """Worker A holds its claim transaction open; worker B gets the other rows at once
    (PostgreSQL: FOR UPDATE SKIP LOCKED) or after A commits (SQLite: one writer)."""
    async with database.transaction() as session:
        for n in range(4):
            await make_queued(session, None, f"m-{n}")
    other = make_database()  # type: ignore[operator]
    b_done = asyncio.Event()

    async def worker_b() -> list[str]:
        ids = await _claim(other, "b", 1, limit=10)
        b_done.set()
        return ids

    async with database.transaction() as session:
        a_ids = [e.id for e in await outbox.claim_due(
            session, worker_id="a", now=at(1), limit=2, lease=LEASE, policy=POLICY)]
        b_task = asyncio.create_task(worker_b())
        if database.dialect == "postgresql":
            await asyncio.wait_for(b_done.wait(), timeout=10)  # B did not wait for A
        else:
            await asyncio.sleep(0.2)
            assert not b_done.is_set()  # SQLite: B waits for the write lock
    b_ids = await b_task
    assert len(a_ids) == 2
    assert len(b_ids) == 2
    assert not set(a_ids) & set(b_ids)
