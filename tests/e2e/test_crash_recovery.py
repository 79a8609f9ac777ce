"""kill -9 of the sending gateway at random points while it accepts and delivers 2,000
documents: afterwards every document is delivered, none is lost, none is accepted twice.

The receiving test partner counts deliveries by ``X-Gateway-Message-Id``. The guarantee is
at-least-once delivery with a stable message id: a message whose receipt was lost in a crash
is sent again with the same id (and the same bytes), which the receiver absorbs. So: the
distinct message ids received are exactly the 2,000 accepted documents, every one of them is
``delivered`` in the gateway, no document was accepted twice (the submitter's retries carry
the same Idempotency-Key), and a redelivered message never has different bytes. The raw
number of redeliveries is printed.

Runs on SQLite with one gateway process and on PostgreSQL with two (the kills hit either);
the seed is printed and can be replayed with GATEWAY_E2E_SEED.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import AsyncIterator
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
LEASE_SECONDS = "5"
"""A crashed worker's claims become claimable again after this (the default is 5 minutes)."""
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


@pytest.mark.parametrize("setup", SETUPS)
async def test_kill_9_loses_nothing_and_sends_nothing_twice(
    setup: Setup, database_url: str | None, tmp_path: Path
) -> None:
    seed = int(os.environ.get("GATEWAY_E2E_SEED") or random.randrange(2**32))
    rng = random.Random(seed)
    documents = invoices(DOCUMENTS)
    partner = CountingPartner()
    crashes = CrashLog()
    started = time.monotonic()
    deadline = started + RUN_TIMEOUT_S
    async with AsyncExitStack() as stack:
        await partner.start()
        stack.push_async_callback(partner.stop)
        session = await stack.enter_async_context(aiohttp.ClientSession())
        cluster = Cluster.create(tmp_path, session, count=setup.processes,
                                 database_url=database_url,
                                 env={"GATEWAY_WORKER_LEASE_SECONDS": LEASE_SECONDS,
                                      "GATEWAY_LOG_LEVEL": "WARNING"})
        stack.callback(cluster.stop)
        await cluster.start()
        receiver_id = await cluster.onboard_receiver(partner, tmp_path / "receiver-token")
        submitter = Submitter(cluster, receiver_id)
        submitting = asyncio.create_task(submitter.submit_all(documents, deadline=deadline))
        try:
            await _crash_at_random_points(cluster, submitter, partner, rng, crashes, deadline)
            await submitting
        finally:
            if not submitting.done():
                submitting.cancel()
        await _wait_until_delivered(cluster, partner, deadline)
        exchanges = await cluster.outbound_exchanges()
        audit = await cluster.admin(cluster.alive()[0]).get("/admin/v1/audit/verify")
        logs = cluster.logs()
    elapsed = time.monotonic() - started
    report = (f"seed {seed}, {setup.backend} x{setup.processes}: {DOCUMENTS} documents in "
              f"{elapsed:.0f} s, {len(crashes.kills)} kill -9 {crashes.kills}, receiver got "
              f"{partner.total} deliveries of {partner.distinct} message ids "
              f"({partner.redeliveries} redeliveries), submitter retried "
              f"{submitter.retries} times ({submitter.accepted_after_retry} documents "
              "accepted after a retry)")
    print(report)
    accepted = set(submitter.accepted.values())
    assert len(crashes.kills) == KILLS, report
    assert len(submitter.accepted) == DOCUMENTS and len(accepted) == DOCUMENTS, report
    assert len(exchanges) == DOCUMENTS, f"documents accepted twice? {report}"
    assert {e["state"] for e in exchanges} == {"delivered"}, report
    assert {e["message_id"] for e in exchanges} == accepted, report
    assert set(partner.deliveries) == accepted, f"lost or unknown messages: {report}"
    assert partner.changed_bodies == [], f"redelivery with other bytes: {report}"
    assert partner.refused == 0, report
    assert audit["ok"], f"audit chain broken after the crashes: {audit}\n{logs}"


async def _crash_at_random_points(cluster: Cluster, submitter: Submitter,
                                  partner: CountingPartner, rng: random.Random,
                                  crashes: CrashLog, deadline: float) -> None:
    """kill -9 a random live gateway when the run's progress (documents accepted + documents
    received, 0 .. 2 x DOCUMENTS) passes each of KILLS random points; restart it after a
    random pause."""
    points = sorted(rng.uniform(0.05, 0.9) * 2 * DOCUMENTS for _ in range(KILLS))
    for point in points:
        while len(submitter.accepted) + partner.distinct < point:
            if time.monotonic() > deadline:
                raise AssertionError(f"no progress: {len(submitter.accepted)} accepted, "
                                     f"{partner.distinct} received\n{cluster.logs()}")
            await asyncio.sleep(POLL_S)
        victim = rng.choice(cluster.alive())
        pid = cluster.kill(victim)
        crashes.kills.append({"pid": pid, "accepted": len(submitter.accepted),
                              "received": partner.distinct})
        await asyncio.sleep(rng.uniform(0.0, 0.5))
        await cluster.restart(victim)


async def _wait_until_delivered(cluster: Cluster, partner: CountingPartner,
                                deadline: float) -> None:
    while partner.distinct < DOCUMENTS:
        if time.monotonic() > deadline:
            states = await cluster.outbound_states()
            raise AssertionError(f"only {partner.distinct} of {DOCUMENTS} received; exchanges "
                                 f"{dict(states)}\n{cluster.logs()}")
        await asyncio.sleep(0.1)
    while True:
        states = await cluster.outbound_states()
        if states == {"delivered": DOCUMENTS}:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"exchanges not all delivered: {dict(states)}\n"
                                 f"{cluster.logs()}")
        await asyncio.sleep(0.5)
