"""The outbox: outbound exchanges waiting to be sent, claimed by workers under a lease.

* `enqueue` moves an exchange to ``queued`` in the caller's transaction, so the state change
  and the intent to send commit together (or not at all): the transactional outbox.
* `claim_due` hands a worker the due exchanges (queued, or retry_wait whose time has come, or
  sending whose lease has expired because its worker died) and moves them to ``sending`` with
  ``claimed_by`` and ``lease_until``. On PostgreSQL the candidates are selected with
  ``FOR UPDATE SKIP LOCKED``: concurrent workers in several processes skip each other's rows
  instead of waiting, and never get the same exchange. On SQLite the write transaction is
  ``BEGIN IMMEDIATE`` (one writer at a time), so the select-and-update is atomic there too.
  Every update is also guarded by the exchange's version (optimistic concurrency).
* The worker then sends *outside* any transaction and reports with `mark_delivered`,
  `schedule_retry` or `dead_letter`, each checking it still holds the lease (`LeaseLost`
  otherwise: its lease expired and another worker took over).
* Retries keep the exchange's message id, so a receiver that got a send whose receipt was
  lost de-duplicates it; they back off exponentially with jitter (gateway.exchange.retry) and
  end in ``dead_letter``, from which `replay` (an admin action) queues the exchange again.

Delivery is therefore at-least-once with a stable message id: a worker that crashes after the
partner received the message but before `mark_delivered` committed causes one resend with the
same id, which the receiver's duplicate detection absorbs (AS4 requires it).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.base import require_aware
from gateway.db.repos._common import page
from gateway.db.repos.exchanges import flush_exchange, get_exchange, transition
from gateway.db.tables.exchanges import Exchange
from gateway.errors import Conflict, InputError
from gateway.exchange.retry import RetryPolicy, backoff_delay, exhausted
from gateway.exchange.states import CLAIMABLE, Direction, State, check_transition

DEFAULT_LEASE = timedelta(minutes=5)
MAX_ERROR_LENGTH = 4000


class LeaseLost(Conflict):
    """The worker no longer holds the exchange (its lease expired and was taken over)."""

    code = "lease-lost"


def _due(now: datetime) -> Any:
    return and_(
        Exchange.direction == Direction.OUTBOUND.value,
        or_(
            and_(
                Exchange.state.in_([s.value for s in CLAIMABLE]),
                or_(Exchange.next_attempt_at.is_(None), Exchange.next_attempt_at <= now),
            ),
            and_(Exchange.state == State.SENDING.value, Exchange.lease_until < now),
        ),
    )


async def enqueue(
    session: AsyncSession,
    exchange: Exchange,
    *,
    now: datetime,
    actor: str,
    not_before: datetime | None = None,
    detail: Mapping[str, Any] | None = None,
) -> Exchange:
    """Queue a validated outbound exchange for sending, in the caller's transaction."""
    now = require_aware(now, "now")
    check_transition(exchange.direction, exchange.state, State.QUEUED)
    exchange.next_attempt_at = require_aware(not_before, "not_before") if not_before else now
    await transition(session, exchange, State.QUEUED, now=now, actor=actor, detail=detail)
    return exchange


async def claim_due(
    session: AsyncSession,
    *,
    worker_id: str,
    now: datetime,
    limit: int = 10,
    lease: timedelta = DEFAULT_LEASE,
    policy: RetryPolicy | None = None,
) -> list[Exchange]:
    """Claim up to `limit` due outbound exchanges for `worker_id`; they come back ``sending``.

    An expired lease whose exchange already used all its attempts is dead-lettered instead
    of being claimed again (a message that crashes every worker must not loop forever).
    Commit promptly: the claim is visible to other workers only after the commit.
    """
    if limit < 1:
        raise InputError(f"limit must be at least 1, got {limit}")
    if lease <= timedelta(0):
        raise InputError("lease must be positive")
    now = require_aware(now, "now")
    policy = policy or RetryPolicy()
    stmt = (
        select(Exchange)
        .where(_due(now))
        .order_by(Exchange.next_attempt_at, Exchange.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    claimed: list[Exchange] = []
    for exchange in (await session.scalars(stmt)).all():
        if await _claim_one(session, exchange, worker_id, now, lease, policy):
            claimed.append(exchange)
    return claimed


async def _claim_one(
    session: AsyncSession,
    exchange: Exchange,
    worker_id: str,
    now: datetime,
    lease: timedelta,
    policy: RetryPolicy,
) -> bool:
    detail: dict[str, Any] = {"worker": worker_id, "attempt": exchange.attempts + 1}
    if exchange.state == State.SENDING.value:
        detail["lease_takeover_from"] = exchange.claimed_by
        if exhausted(exchange.attempts, policy):
            error = (
                f"lease of {exchange.claimed_by} expired during attempt {exchange.attempts}, "
                "the last allowed attempt"
            )
            _release(exchange, error)
            await transition(session, exchange, State.DEAD_LETTER, now=now, actor=worker_id,
                             detail={"error": error})
            return False
    exchange.attempts += 1
    exchange.claimed_by = worker_id
    exchange.lease_until = now + lease
    await transition(session, exchange, State.SENDING, now=now, actor=worker_id, detail=detail)
    return True


async def _held(
    session: AsyncSession, exchange_id: str, worker_id: str
) -> Exchange:
    exchange = await get_exchange(session, exchange_id, for_update=True)
    if exchange.state != State.SENDING.value or exchange.claimed_by != worker_id:
        holder = exchange.claimed_by or "nobody"
        raise LeaseLost(
            f"worker {worker_id} no longer holds exchange {exchange_id} "
            f"(state {exchange.state}, held by {holder})"
        )
    return exchange


def _release(exchange: Exchange, error: str | None) -> None:
    exchange.claimed_by = None
    exchange.lease_until = None
    if error is not None:
        exchange.last_error = error[:MAX_ERROR_LENGTH]


async def renew_lease(
    session: AsyncSession,
    exchange_id: str,
    *,
    worker_id: str,
    now: datetime,
    lease: timedelta = DEFAULT_LEASE,
) -> Exchange:
    """Extend the lease of a long send (e.g. a slow AS4 endpoint)."""
    exchange = await _held(session, exchange_id, worker_id)
    exchange.lease_until = require_aware(now, "now") + lease
    await flush_exchange(session, exchange)
    return exchange


async def mark_delivered(
    session: AsyncSession,
    exchange_id: str,
    *,
    worker_id: str,
    now: datetime,
    acknowledged: bool = False,
    detail: Mapping[str, Any] | None = None,
) -> Exchange:
    """The send succeeded: ``delivered`` (transport receipt), or ``acknowledged`` when the
    transport's answer already was the business acknowledgement."""
    exchange = await _held(session, exchange_id, worker_id)
    _release(exchange, None)
    exchange.next_attempt_at = None
    target = State.ACKNOWLEDGED if acknowledged else State.DELIVERED
    await transition(session, exchange, target, now=now, actor=worker_id, detail=detail)
    return exchange


mark_done = mark_delivered


async def schedule_retry(
    session: AsyncSession,
    exchange_id: str,
    *,
    worker_id: str,
    now: datetime,
    error: str,
    policy: RetryPolicy | None = None,
    rng: Callable[[], float] = random.random,
) -> Exchange:
    """The send failed with a retryable error: ``retry_wait`` until the backoff delay has
    passed, or ``dead_letter`` when the policy's attempts are used up."""
    policy = policy or RetryPolicy()
    now = require_aware(now, "now")
    exchange = await _held(session, exchange_id, worker_id)
    _release(exchange, error)
    if exhausted(exchange.attempts, policy):
        exchange.next_attempt_at = None
        await transition(session, exchange, State.DEAD_LETTER, now=now, actor=worker_id,
                         detail={"error": exchange.last_error, "attempts": exchange.attempts})
        return exchange
    delay = backoff_delay(exchange.attempts, policy, rng)
    exchange.next_attempt_at = now + delay
    await transition(
        session, exchange, State.RETRY_WAIT, now=now, actor=worker_id,
        detail={"error": exchange.last_error, "attempts": exchange.attempts,
                "next_attempt_at": exchange.next_attempt_at.isoformat()},
    )
    return exchange


async def dead_letter(
    session: AsyncSession,
    exchange_id: str,
    *,
    worker_id: str,
    now: datetime,
    error: str,
) -> Exchange:
    """The send failed for good (a non-retryable error): ``dead_letter`` at once."""
    exchange = await _held(session, exchange_id, worker_id)
    _release(exchange, error)
    exchange.next_attempt_at = None
    await transition(session, exchange, State.DEAD_LETTER, now=now, actor=worker_id,
                     detail={"error": exchange.last_error, "attempts": exchange.attempts})
    return exchange


async def replay(
    session: AsyncSession,
    exchange_id: str,
    *,
    now: datetime,
    actor: str,
    reason: str | None = None,
) -> Exchange:
    """Admin action: queue a dead-lettered exchange again, same message id, fresh attempts."""
    now = require_aware(now, "now")
    exchange = await get_exchange(session, exchange_id, for_update=True)
    check_transition(exchange.direction, exchange.state, State.QUEUED)
    previous_attempts = exchange.attempts
    exchange.attempts = 0
    exchange.next_attempt_at = now
    await transition(session, exchange, State.QUEUED, now=now, actor=actor,
                     detail={"replay": True, "previous_attempts": previous_attempts,
                             "reason": reason})
    return exchange


async def list_dead_letters(
    session: AsyncSession,
    *,
    partner_id: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> Sequence[Exchange]:
    """Dead-lettered outbound exchanges (what an admin may replay), oldest first."""
    stmt = select(Exchange).where(
        Exchange.direction == Direction.OUTBOUND.value,
        Exchange.state == State.DEAD_LETTER.value,
    )
    if partner_id is not None:
        stmt = stmt.where(Exchange.partner_id == partner_id)
    return (await session.scalars(page(stmt, Exchange.id, after=after, limit=limit))).all()
