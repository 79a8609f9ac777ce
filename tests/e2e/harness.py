"""End-to-end harness: real `gateway serve` processes, a receiving test partner, a submitter
that survives crashes, and temporary PostgreSQL databases.

* `CountingPartner`: an aiohttp server in the test process that plays the receiving partner.
  It checks the bearer key, counts every delivery by ``X-Gateway-Message-Id`` and keeps the
  SHA-256 of each body (a redelivery must carry the same bytes).
* `Cluster`: N gateway processes on one database (SQLite file or PostgreSQL), each on its own
  port; `kill` is kill -9 of one of them, `restart` brings it back on the same port.
* `Submitter`: sends documents through ``POST /admin/v1/outbound`` with one Idempotency-Key
  per document, several at a time; when a gateway is down or answers 5xx/409-in-progress it
  tries again (another gateway of the cluster when there is one) with the same key, so every
  document is accepted exactly once and its message id is known even when the answer was lost.
* `temporary_postgres_database`: a fresh database on the test server, dropped afterwards
  (gateway processes cannot be given a schema, so each run gets its own database).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import random
import secrets
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy.engine import make_url

from gateway.demo.client import JSON, ApiClient, ApiError
from gateway.demo.processes import GatewayProcess, free_port
from gateway.demo.scenario import build_order, seller_account
from gateway.documents.convert import model_to_json_bytes
from gateway.ordering.invoice_from_order import InvoiceTerms, invoice_from_order

POSTGRES_ENV = "GATEWAY_TEST_POSTGRES_URL"
RECEIVE_PATH = "/receive"
RETRY_PAUSE_S = 0.2


def postgres_url_or_skip() -> str:
    """The test server's URL; skipped without one, except in CI where it is mandatory."""
    import pytest

    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_ENV} must be set in CI")
    pytest.skip(f"PostgreSQL not configured ({POSTGRES_ENV})")


@contextlib.asynccontextmanager
async def temporary_postgres_database(server_url: str) -> AsyncIterator[str]:
    """A new, empty database on the server of `server_url`; its URL. Dropped at the end."""
    import asyncpg

    url = make_url(server_url)
    name = f"gw_e2e_{uuid.uuid4().hex[:12]}"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    try:
        yield url.set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False)
    finally:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


# --- the receiving partner ----------------------------------------------------------------


@dataclass
class CountingPartner:
    """The receiving test partner: counts deliveries per message id."""

    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    deliveries: Counter[str] = field(default_factory=Counter)
    body_sha256: dict[str, str] = field(default_factory=dict)
    changed_bodies: list[str] = field(default_factory=list)
    first_seen: dict[str, float] = field(default_factory=dict)
    """Message id -> time.perf_counter() of its first delivery (for latencies)."""
    refused: int = 0
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{RECEIVE_PATH}"

    @property
    def distinct(self) -> int:
        return len(self.deliveries)

    @property
    def total(self) -> int:
        return sum(self.deliveries.values())

    @property
    def redeliveries(self) -> int:
        return self.total - self.distinct

    async def start(self) -> None:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post(RECEIVE_PATH, self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            self.refused += 1
            return web.json_response({"error": "bad key"}, status=401)
        message_id = request.headers.get("X-Gateway-Message-Id")
        if not message_id:
            self.refused += 1
            return web.json_response({"error": "no X-Gateway-Message-Id"}, status=400)
        digest = hashlib.sha256(await request.read()).hexdigest()
        if self.body_sha256.setdefault(message_id, digest) != digest:
            self.changed_bodies.append(message_id)
        self.deliveries[message_id] += 1
        self.first_seen.setdefault(message_id, time.perf_counter())
        return web.json_response({"received": message_id},
                                 headers={"X-Gateway-Receipt-Id": f"rcpt-{message_id}"})


# --- gateways -----------------------------------------------------------------------------


@dataclass
class Cluster:
    """Gateway processes sharing one database."""

    processes: list[GatewayProcess]
    session: aiohttp.ClientSession
    admin_token: str

    @classmethod
    def create(cls, root: Path, session: aiohttp.ClientSession, *, count: int,
               database_url: str | None, workers: int = 2,
               env: Mapping[str, str] | None = None) -> Cluster:
        token = secrets.token_urlsafe(24)
        database = database_url or f"sqlite+aiosqlite:///{root / 'gateway.sqlite'}"
        processes = [
            GatewayProcess(name=f"gw{n}", data_dir=root / f"gw{n}", admin_token=token,
                           database_url=database, workers=workers, env=dict(env or {}))
            for n in range(count)
        ]
        return cls(processes, session, token)

    def admin(self, index: int = 0) -> ApiClient:
        return ApiClient(self.session, self.processes[index].base_url, self.admin_token)

    async def start(self, timeout: float = 120.0) -> None:
        # One after the other: the first migrates the database, the others find it at head.
        for process in self.processes:
            process.start()
            await process.wait_healthy(self.session, timeout)

    async def restart(self, index: int, timeout: float = 120.0) -> None:
        process = self.processes[index]
        process.start()
        await process.wait_healthy(self.session, timeout)

    async def restart_all(self, *, workers: int, timeout: float = 120.0) -> None:
        """Stop every process gracefully and start it again with `workers` outbox workers."""
        self.stop()
        for process in self.processes:
            process.workers = workers
        await self.start(timeout)

    def kill(self, index: int) -> int | None:
        """kill -9; the pid that was killed."""
        pid = self.processes[index].pid
        self.processes[index].kill()
        return pid

    def alive(self) -> list[int]:
        return [n for n, process in enumerate(self.processes) if process.running()]

    def stop(self) -> None:
        for process in self.processes:
            process.send_terminate()
        for process in self.processes:
            process.stop()

    def logs(self) -> str:
        return "\n".join(process.log_tail(40) for process in self.processes)

    async def onboard_receiver(self, partner: CountingPartner, token_file: Path) -> str:
        """The counting partner as a partner of the cluster, with an HTTP endpoint; its id."""
        token_file.write_text(partner.token + "\n", encoding="utf-8")
        admin = self.admin()
        created = await admin.post_json("/admin/v1/partners", {
            "name": "Receiving test partner", "key_prefix": "counting"})
        partner_id = str(created["id"])
        await admin.post_json(f"/admin/v1/partners/{partner_id}/endpoints", {
            "transport": "http", "url": partner.url,
            "settings": {"bearer_token_ref": f"file:{token_file}", "allow_plain_http": True,
                         "timeout": 10}})
        return partner_id

    async def outbound_states(self) -> Counter[str]:
        """Outbound exchanges by state, read through the admin API of a live gateway."""
        index = self.alive()[0]
        exchanges = await self.admin(index).pages("/admin/v1/exchanges", limit=500,
                                                  direction="outbound")
        return Counter(exchange["state"] for exchange in exchanges)

    async def outbound_exchanges(self) -> list[dict[str, Any]]:
        index = self.alive()[0]
        return list(await self.admin(index).pages("/admin/v1/exchanges", limit=500,
                                                  direction="outbound"))


# --- documents and submissions ------------------------------------------------------------


def invoices(count: int, prefix: str = "INV-E2E") -> list[tuple[str, bytes]]:
    """`count` distinct, valid invoices as the gateway's JSON: (invoice number, body)."""
    order = build_order("PO-E2E-1", date(2024, 11, 28), "09:15:00")
    seller = seller_account()
    return [(number, model_to_json_bytes(invoice_from_order(
                order, seller, InvoiceTerms(number, date(2024, 12, 2)))))
            for number in (f"{prefix}-{n:06d}" for n in range(1, count + 1))]


@dataclass
class Submitter:
    """Submits documents once each, through whichever gateway of the cluster answers."""

    cluster: Cluster
    receiver_id: str
    concurrency: int = 8
    document_type: str = "invoice"
    stuck_after: float = 60.0
    """Seconds a document may be answered "in progress" (409) before the run fails."""
    accepted: dict[str, str] = field(default_factory=dict)
    """Document key -> message id, from the 202 (or its replay)."""
    retries: int = 0
    accepted_after_retry: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def submit_all(self, documents: Sequence[tuple[str, bytes]], *,
                         deadline: float) -> None:
        queue: asyncio.Queue[tuple[int, str, bytes]] = asyncio.Queue()
        for index, (key, body) in enumerate(documents):
            queue.put_nowait((index, key, body))

        async def worker() -> None:
            while not queue.empty():
                index, key, body = queue.get_nowait()
                await self._submit(index, key, body, deadline)

        await asyncio.gather(*(worker() for _ in range(self.concurrency)))

    async def _submit(self, index: int, key: str, body: bytes, deadline: float) -> None:
        attempt = 0
        in_progress_since: float | None = None
        while True:
            if time.monotonic() > deadline:
                raise AssertionError(f"document {key} not accepted before the deadline; "
                                     f"last errors: {self.errors[-5:]}")
            alive = self.cluster.alive()
            if not alive:
                await asyncio.sleep(RETRY_PAUSE_S)
                continue
            target = alive[(index + attempt) % len(alive)]
            started = time.perf_counter()
            try:
                answer = await self.cluster.admin(target).call(
                    "POST", "/admin/v1/outbound", data=body, content_type=JSON,
                    params={"receiver": self.receiver_id, "document_type": self.document_type},
                    headers={"Idempotency-Key": f"e2e-{key}"})
            except ApiError as exc:
                in_progress = exc.problem.get("code") == "idempotency-request-in-progress"
                if exc.status < 500 and not in_progress:
                    raise AssertionError(f"document {key} refused: {exc.message}") from None
                self._note(f"{key}: {exc.status} {exc.problem.get('code')}")
                if in_progress:
                    in_progress_since = in_progress_since or time.monotonic()
                    if time.monotonic() - in_progress_since > self.stuck_after:
                        raise AssertionError(
                            f"document {key}: its Idempotency-Key has been 'in progress' for "
                            f"{self.stuck_after:.0f} s; the request that claimed it died with "
                            "its gateway and the key was never released") from None
                else:
                    in_progress_since = None
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                self._note(f"{key}: {type(exc).__name__}")
            else:
                self.accepted[key] = str(answer["message_id"])
                if attempt:
                    self.accepted_after_retry += 1
                self.latencies.append(time.perf_counter() - started)
                return
            attempt += 1
            await asyncio.sleep(RETRY_PAUSE_S * (1 + random.random()))

    def _note(self, error: str) -> None:
        self.retries += 1
        self.errors.append(error)
