"""kill -9 of the sending gateway at random points: nothing lost, nothing sent twice.

The receiving test partner counts deliveries by ``X-Gateway-Message-Id``. The guarantee is
at-least-once delivery with a stable message id: a message whose receipt was lost in a crash
is sent again with the same id (and the same bytes), which the receiver absorbs. So after the
run: the distinct message ids received are exactly the accepted documents, every one of them
is ``delivered`` in the gateway, no document was accepted twice (the submitter's retries carry
the same Idempotency-Key), and a redelivered message never has different bytes. The raw number
of redeliveries is printed.

* while delivering: 2,000 documents accepted through the API, then delivered by the outbox
  workers while the sending gateway is killed at 3 random points and restarted;
* while accepting: 300 documents submitted (and delivered) while the gateway is killed at
  random points of the submission. A request killed mid-way leaves its Idempotency-Key
  claimed; the client's retry takes it over after the claim time and, because the outbound
  submission stores its answer in the transaction that queues the document, either finds the
  committed answer or runs the submission once more, never twice.

Both run on SQLite with one gateway process and on PostgreSQL with two (the kills hit
either); the seed is printed and can be replayed with GATEWAY_E2E_SEED. GATEWAY_E2E_DOCUMENTS,
GATEWAY_E2E_SUBMISSION_DOCUMENTS and GATEWAY_E2E_KILLS change the sizes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.harness import (
    Cluster,
    CountingPartner,
    Submitter,
    invoices,
    postgres_url_or_skip,
    temporary_postgres_database,
)

DOCUMENTS = int(os.environ.get("GATEWAY_E2E_DOCUMENTS", "2000"))
KILLS = int(os.environ.get("GATEWAY_E2E_KILLS", "3"))
SUBMISSION_DOCUMENTS = int(os.environ.get("GATEWAY_E2E_SUBMISSION_DOCUMENTS", "300"))
LEASE_SECONDS = "5"
"""A crashed worker's claims become claimable again after this (the default is 5 minutes)."""
CLAIM_SECONDS = "10"
"""An API request killed mid-way leaves its Idempotency-Key claimed; a retry takes it over
after this (the default is 30 s)."""
RUN_TIMEOUT_S = 900.0
POLL_S = 0.02


@dataclass
class CrashLog:
    kills: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Setup:
    backend: str
    processes: int


SETUPS = [pytest.param(Setup("sqlite", 1), id="sqlite-1-process"),
          pytest.param(Setup("postgresql", 2), id="postgresql-2-processes",
                       marks=pytest.mark.postgres)]


@pytest.fixture
async def database_url(request: pytest.FixtureRequest) -> AsyncIterator[str | None]:
    setup: Setup = request.getfixturevalue("setup")
    if setup.backend == "sqlite":
        yield None
        return
    async with temporary_postgres_database(postgres_url_or_skip()) as url:
        yield url


@dataclass
class Run:
    """One crash run's participants and what it observed."""

    setup: Setup
    cluster: Cluster
    partner: CountingPartner
    submitter: Submitter
    crashes: CrashLog
    seed: int
    started: float
    documents: int
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    audit: dict[str, Any] = field(default_factory=dict)

    def report(self) -> str:
        partner, submitter = self.partner, self.submitter
        return (f"seed {self.seed}, {self.setup.backend} x{self.setup.processes}: "
                f"{self.documents} "
                f"documents in {time.monotonic() - self.started:.0f} s, "
                f"{len(self.crashes.kills)} kill -9 {self.crashes.kills}, receiver got "
                f"{partner.total} deliveries of {partner.distinct} message ids "
                f"({partner.redeliveries} redeliveries), submitter retried "
                f"{submitter.retries} times ({submitter.accepted_after_retry} documents "
                "accepted after a retry)")

    def check(self) -> None:
        documents = self.documents
        report = self.report()
        print(report)
        accepted = set(self.submitter.accepted.values())
        exchanges, partner = self.exchanges, self.partner
        assert len(self.crashes.kills) == KILLS, report
        assert len(self.submitter.accepted) == documents == len(accepted), report
        assert len(exchanges) == documents, f"documents accepted twice? {report}"
        assert {e["state"] for e in exchanges} == {"delivered"}, report
        assert {e["message_id"] for e in exchanges} == accepted, report
        assert set(partner.deliveries) == accepted, f"lost or unknown messages: {report}"
        assert partner.changed_bodies == [], f"redelivery with other bytes: {report}"
        assert partner.refused == 0, report
        assert self.audit["ok"], f"audit chain broken after the crashes: {self.audit}"


@contextlib.asynccontextmanager
async def crash_run(setup: Setup, database_url: str | None, tmp_path: Path, *,
                    workers: int, documents: int) -> AsyncIterator[Run]:
    """A cluster of `setup` with the counting partner onboarded; stopped at the end."""
    seed = int(os.environ.get("GATEWAY_E2E_SEED") or random.randrange(2**32))
    partner = CountingPartner()
    async with AsyncExitStack() as stack:
        await partner.start()
        stack.push_async_callback(partner.stop)
        session = await stack.enter_async_context(aiohttp.ClientSession())
        cluster = Cluster.create(tmp_path, session, count=setup.processes,
                                 database_url=database_url, workers=workers,
                                 env={"GATEWAY_WORKER_LEASE_SECONDS": LEASE_SECONDS,
                                      "GATEWAY_IDEMPOTENCY_CLAIM_SECONDS": CLAIM_SECONDS,
                                      "GATEWAY_LOG_LEVEL": "WARNING"})
        stack.callback(cluster.stop)
        await cluster.start()
        receiver_id = await cluster.onboard_receiver(partner, tmp_path / "receiver-token")
        run = Run(setup, cluster, partner, Submitter(cluster, receiver_id), CrashLog(), seed,
                  time.monotonic(), documents)
        try:
            yield run
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{run.report()}\n{cluster.logs()}") from None
        run.exchanges = await cluster.outbound_exchanges()
        run.audit = await cluster.admin(cluster.alive()[0]).get("/admin/v1/audit/verify")


@pytest.mark.slow
@pytest.mark.parametrize("setup", SETUPS)
async def test_kill_9_while_delivering_loses_and_doubles_nothing(
    setup: Setup, database_url: str | None, tmp_path: Path
) -> None:
    """2,000 documents accepted through the API, then delivered while the sending gateway
    is killed (-9) at random points and restarted."""
    documents = invoices(DOCUMENTS)
    async with crash_run(setup, database_url, tmp_path, workers=0,
                         documents=DOCUMENTS) as run:
        deadline = run.started + RUN_TIMEOUT_S
        await run.submitter.submit_all(documents, deadline=deadline)
        await run.cluster.restart_all(workers=2)
        rng = random.Random(run.seed)
        points = sorted(rng.uniform(0.05, 0.9) * DOCUMENTS for _ in range(KILLS))
        await _crash_at(points, lambda: run.partner.distinct, run, rng, deadline)
        await _wait_until_delivered(run.cluster, run.partner, deadline)
    run.check()


@pytest.mark.parametrize("setup", SETUPS)
async def test_kill_9_while_accepting_loses_and_doubles_nothing(
    setup: Setup, database_url: str | None, tmp_path: Path
) -> None:
    """Documents submitted (and delivered) while the gateway is killed (-9) at random points
    of the submission: every document is accepted once, under its Idempotency-Key."""
    count = SUBMISSION_DOCUMENTS
    documents = invoices(count)
    async with crash_run(setup, database_url, tmp_path, workers=2, documents=count) as run:
        deadline = run.started + RUN_TIMEOUT_S
        rng = random.Random(run.seed)
        submitting = asyncio.create_task(run.submitter.submit_all(documents,
                                                                  deadline=deadline))
        try:
            points = sorted(rng.uniform(0.05, 0.9) * count for _ in range(KILLS))
            await _crash_at(points, lambda: len(run.submitter.accepted), run, rng, deadline,
                            stop_when=submitting)
            await submitting
        finally:
            submitting.cancel()
        await _wait_until_delivered(run.cluster, run.partner, deadline, count)
    run.check()


async def _crash_at(points: list[float], progress: Callable[[], int], run: Run,
                   rng: random.Random, deadline: float,
                   stop_when: asyncio.Task[None] | None = None) -> None:
    """kill -9 a random live gateway when `progress` passes each point; restart it after a
    random pause of up to half a second."""
    for point in points:
        while progress() < point:
            if stop_when is not None and stop_when.done():
                stop_when.result()  # the submitter's failure, if it failed
            if time.monotonic() > deadline:
                raise AssertionError(f"no progress past {progress()} (next kill at {point:.0f})")
            await asyncio.sleep(POLL_S)
        victim = rng.choice(run.cluster.alive())
        pid = run.cluster.kill(victim)
        run.crashes.kills.append({"pid": pid, "accepted": len(run.submitter.accepted),
                                  "received": run.partner.distinct})
        await asyncio.sleep(rng.uniform(0.0, 0.5))
        await run.cluster.restart(victim)


async def _wait_until_delivered(cluster: Cluster, partner: CountingPartner,
                                deadline: float, documents: int = DOCUMENTS) -> None:
    while partner.distinct < documents:
        if time.monotonic() > deadline:
            states = await cluster.outbound_states()
            raise AssertionError(f"only {partner.distinct} of {documents} received; exchanges "
                                 f"{dict(states)}")
        await asyncio.sleep(0.1)
    while True:
        states = await cluster.outbound_states()
        if states == {"delivered": documents}:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"exchanges not all delivered: {dict(states)}")
        await asyncio.sleep(0.5)
