"""The outbox worker: claim due exchanges → send through the partner's transport → record the
receipt and the new state.

    claim (one short transaction: queued/retry_wait/expired lease → sending, under a lease)
    send  (no transaction open: the partner's endpoint may take its time)
    record (one transaction: receipt stored as a document and linked as an acknowledgement,
            state delivered, ``document.delivered`` queued; or retry_wait / dead_letter)

Several workers, in one process or many, share the outbox: `claim_due` uses FOR UPDATE SKIP
LOCKED on PostgreSQL (BEGIN IMMEDIATE on SQLite), so no exchange is claimed twice while its
lease runs. A worker whose lease was taken over (it was too slow, or presumed dead) gets
`LeaseLost` when recording and leaves the exchange to its new holder; the message id never
changes, so a partner that got the message twice de-duplicates it.

A partner without an enabled endpoint, or whose first endpoint is ``pull``, fetches its
documents from GET /v1/inbox: delivery then means "available in the inbox".

Stopping: `run` returns when its stop event is set, after the batch in hand is recorded.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.database import Database
from gateway.db.repos import documents as documents_repo
from gateway.db.repos import exchanges as exchanges_repo
from gateway.db.repos import partners as partners_repo
from gateway.db.repos.exchanges import ConcurrentUpdate
from gateway.db.tables.documents import Document
from gateway.db.tables.exchanges import Exchange
from gateway.db.tables.partners import PartnerEndpoint
from gateway.errors import GatewayError
from gateway.exchange import events, outbox
from gateway.exchange.endpoints import PULL_TRANSPORT, endpoint_config, is_pull
from gateway.exchange.retry import RetryPolicy
from gateway.exchange.states import Direction, State
from gateway.observability.context import bind_exchange
from gateway.observability.metrics import GatewayMetrics
from gateway.transports.base import Clock, Envelope, Receipt, sha256_hex
from gateway.transports.registry import TransportSet

_log = logging.getLogger(__name__)
MAX_CONTENT_TYPE = 100
UNKNOWN_TYPE = "unknown"


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    batch_size: int = 32
    poll_interval: float = 1.0
    """Seconds between polls when idle (a local enqueue wakes the worker at once)."""
    lease: timedelta = outbox.DEFAULT_LEASE
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sender_id: str = "einvoice-gateway"


@dataclass(frozen=True, slots=True)
class _Job:
    exchange: Exchange
    document: Document
    endpoint: PartnerEndpoint | None
    receiver_id: str


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        transports: TransportSet,
        *,
        worker_id: str,
        clock: Clock,
        config: WorkerConfig | None = None,
        wakeup: asyncio.Event | None = None,
        events_wakeup: asyncio.Event | None = None,
        metrics: GatewayMetrics | None = None,
    ) -> None:
        """`wakeup` starts an idle worker at once; `events_wakeup` is set when this worker
        queued webhook events (the dispatcher's wakeup); `metrics` counts the outcomes."""
        self.db = db
        self.transports = transports
        self.worker_id = worker_id
        self.clock = clock
        self.config = config or WorkerConfig()
        self.wakeup = wakeup or asyncio.Event()
        self.events_wakeup = events_wakeup
        self.metrics = metrics or GatewayMetrics()
        self.processed = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set; errors are logged, never end the loop."""
        _log.info("outbox worker %s started", self.worker_id)
        while not stop.is_set():
            try:
                handled = await self.run_once()
            except Exception:
                _log.exception("outbox worker %s: claiming failed", self.worker_id)
                handled = 0
            if handled == 0:
                await idle(stop, self.wakeup, self.config.poll_interval)
        _log.info("outbox worker %s stopped", self.worker_id)

    async def run_once(self) -> int:
        """Claim one batch and deliver it; returns how many exchanges were claimed.

        The batch is loaded in one read, sent concurrently, and its outcomes are recorded in
        one transaction (one audit chain append, one commit); should that transaction fail,
        each outcome is recorded again in a transaction of its own.
        """
        async with self.db.transaction() as session:
            claimed = await outbox.claim_due(
                session, worker_id=self.worker_id, now=self.clock(),
                limit=self.config.batch_size, lease=self.config.lease, policy=self.config.policy,
            )
        if claimed:
            jobs = await self._load_batch(claimed)
            outcomes = await asyncio.gather(*(self._attempt(job) for job in jobs))
            await self._record_batch(outcomes)
        self.processed += len(claimed)
        if claimed and self.events_wakeup is not None:
            self.events_wakeup.set()
        return len(claimed)

    async def _attempt(self, job: _Job | _Failure) -> _Outcome:
        if isinstance(job, _Failure):
            return job
        bind_exchange(job.exchange.id)  # each delivery runs in its own task (gather)
        try:
            receipt = await self._send(job)
        except GatewayError as exc:
            return _Failure(job.exchange, exc)
        except Exception as exc:  # a bug must not lose the message: retry it later
            _log.exception("outbox worker %s: sending %s failed", self.worker_id,
                           job.exchange.id)
            error = GatewayError(f"internal error: {type(exc).__name__}: {exc}", retryable=True)
            return _Failure(job.exchange, error)
        return _Success(job, receipt)

    async def _record_batch(self, outcomes: Sequence[_Outcome]) -> None:
        try:
            async with self.db.transaction() as session:
                recorded = [(o, await self._record_in(session, o)) for o in outcomes]
        except Exception as exc:  # recorded one by one below
            _log.warning("outbox worker %s: recording a batch of %d failed (%s: %s); "
                         "recording one by one", self.worker_id, len(outcomes),
                         type(exc).__name__, exc)
            for outcome in outcomes:
                await self._record_alone(outcome)
            return
        for outcome, after in recorded:
            if after is not None:
                self._count(outcome, after)

    async def _record_alone(self, outcome: _Outcome) -> None:
        exchange_id = _exchange_of(outcome).id
        try:
            async with self.db.transaction() as session:
                after = await self._record_in(session, outcome)
        except ConcurrentUpdate as exc:
            _log.warning("outbox worker %s: %s not recorded: %s", self.worker_id,
                         exchange_id, exc.message)
            return
        except Exception:  # the lease expires and another attempt follows
            _log.exception("outbox worker %s: recording %s failed", self.worker_id,
                           exchange_id)
            return
        if after is not None:
            self._count(outcome, after)

    async def _record_in(self, session: AsyncSession, outcome: _Outcome) -> Exchange | None:
        """Record one outcome in `session`: the exchange after it, or None when the lease was
        lost (then nothing was written: the lease is checked before any write)."""
        try:
            if isinstance(outcome, _Success):
                return await self._delivered(session, outcome.job, outcome.receipt)
            return await self._failed(session, outcome.exchange, outcome.error)
        except outbox.LeaseLost as exc:
            _log.warning("outbox worker %s: %s not recorded: %s", self.worker_id,
                         _exchange_of(outcome).id, exc.message)
            return None

    def _count(self, outcome: _Outcome, after: Exchange) -> None:
        if isinstance(outcome, _Success):
            self.metrics.document(Direction.OUTBOUND.value, after.document_type, after.state)
        else:
            self.metrics.outbox_failure(after.document_type, after.state)

    async def _load_batch(self, claimed: Sequence[Exchange]) -> list[_Job | _Failure]:
        """The documents, endpoints and receiver ids of a claimed batch, in one read
        (one query for the documents, two per distinct partner)."""
        async with self.db.read() as session:
            document_ids = [e.document_id for e in claimed if e.document_id is not None]
            documents = await documents_repo.get_documents(session, document_ids)
            partners: dict[str, tuple[PartnerEndpoint | None, str]] = {}
            for partner_id in {e.partner_id for e in claimed if e.partner_id is not None}:
                partners[partner_id] = await _receiver(session, partner_id)
        return [_job(exchange, documents, partners) for exchange in claimed]

    async def _send(self, job: _Job) -> Receipt:
        if is_pull(job.endpoint):
            return self._pull_receipt(job)
        assert job.endpoint is not None
        config = endpoint_config(job.endpoint)
        envelope = Envelope(
            message_id=job.exchange.message_id,
            document_type=job.exchange.document_type or UNKNOWN_TYPE,
            sender_id=self.config.sender_id,
            receiver_id=job.receiver_id,
            payload=job.document.raw,
            content_type=job.document.content_type,
            sha256=job.document.sha256,
        )
        return await self.transports.get(job.endpoint.transport).send(envelope, config)

    def _pull_receipt(self, job: _Job) -> Receipt:
        raw = json.dumps({"status": "available", "channel": PULL_TRANSPORT,
                          "message_id": job.exchange.message_id,
                          "sha256": job.document.sha256}, sort_keys=True).encode()
        return Receipt(message_id=job.exchange.message_id, transport=PULL_TRANSPORT,
                       received_at=self.clock(), raw=raw, sha256=sha256_hex(raw),
                       content_type="application/json")

    async def _delivered(self, session: AsyncSession, job: _Job, receipt: Receipt) -> Exchange:
        now = self.clock()
        exchange = job.exchange
        evidence = _receipt_detail(receipt, job.endpoint)
        # The lease first: a worker that lost it writes nothing, and the row lock it takes
        # keeps any other worker from storing this exchange's receipt concurrently.
        done = await outbox.mark_delivered(
            session, exchange.id, worker_id=self.worker_id, now=now, detail=evidence
        )
        stored = await documents_repo.store_document(
            session, direction="inbound", message_id=f"receipt:{exchange.message_id}",
            raw=receipt.raw, now=now, partner_id=exchange.partner_id,
            content_type=(receipt.content_type or "application/octet-stream")[
                :MAX_CONTENT_TYPE],
            exclusive=True,  # under the exchange's row lock, taken by mark_delivered
        )
        await exchanges_repo.link_acknowledgement(
            session, done, kind="receipt", direction="inbound", now=now,
            actor=self.worker_id, status="available" if is_pull(job.endpoint) else "delivered",
            document_id=stored.document.id, detail=evidence,
        )
        await events.emit(
            session, events.DOCUMENT_DELIVERED,
            events.exchange_data(done, job.document) | {"receipt": evidence},
            now=now, partner_id=done.partner_id,
        )
        return done

    async def _failed(self, session: AsyncSession, exchange: Exchange,
                      error: GatewayError) -> Exchange:
        now = self.clock()
        message = _error_text(error)
        if error.retryable:
            after = await outbox.schedule_retry(
                session, exchange.id, worker_id=self.worker_id, now=now, error=message,
                policy=self.config.policy,
            )
        else:
            after = await outbox.dead_letter(
                session, exchange.id, worker_id=self.worker_id, now=now, error=message
            )
        if after.state == State.DEAD_LETTER.value:
            await events.emit(
                session, events.DOCUMENT_FAILED,
                events.exchange_data(after) | {"error": message, "attempts": after.attempts},
                now=now,
            )
        return after


@dataclass(frozen=True, slots=True)
class _Success:
    job: _Job
    receipt: Receipt


@dataclass(frozen=True, slots=True)
class _Failure:
    exchange: Exchange
    error: GatewayError


_Outcome = _Success | _Failure


def _exchange_of(outcome: _Outcome) -> Exchange:
    return outcome.job.exchange if isinstance(outcome, _Success) else outcome.exchange


async def _receiver(session: AsyncSession, partner_id: str) -> tuple[PartnerEndpoint | None, str]:
    """The partner's first enabled endpoint and its receiver id (first identifier)."""
    endpoints = await partners_repo.list_endpoints(session, partner_id, enabled_only=True)
    identifiers = await partners_repo.list_identifiers(session, partner_id)
    receiver = f"{identifiers[0].scheme}:{identifiers[0].value}" if identifiers else partner_id
    return (endpoints[0] if endpoints else None), receiver


def _job(
    exchange: Exchange,
    documents: Mapping[str, Document],
    partners: Mapping[str, tuple[PartnerEndpoint | None, str]],
) -> _Job | _Failure:
    document = documents.get(exchange.document_id) if exchange.document_id else None
    if document is None or exchange.partner_id is None:
        error = GatewayError(f"exchange {exchange.id} has no document or partner to send to",
                             retryable=False)
        return _Failure(exchange, error)
    endpoint, receiver = partners[exchange.partner_id]
    return _Job(exchange, document, endpoint, receiver)


def _receipt_detail(receipt: Receipt, endpoint: PartnerEndpoint | None) -> dict[str, Any]:
    return {
        "transport": receipt.transport,
        "endpoint_id": endpoint.id if endpoint is not None else None,
        "status_code": receipt.status_code,
        "remote_message_id": receipt.remote_message_id,
        "receipt_sha256": receipt.sha256,
        "truncated": receipt.truncated,
        "received_at": receipt.received_at.isoformat(),
    }


def _error_text(error: GatewayError) -> str:
    wire = getattr(error, "wire_code", None)
    prefix = f"[{error.code}{' ' + wire if wire else ''}] "
    return prefix + error.message


async def idle(stop: asyncio.Event, wakeup: asyncio.Event, seconds: float) -> None:
    """Sleep until `seconds` pass, `wakeup` is set or `stop` is set."""
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wakeup.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
    wakeup.clear()


async def run_workers(workers: Sequence[OutboxWorker], stop: asyncio.Event) -> None:
    await asyncio.gather(*(worker.run(stop) for worker in workers))
