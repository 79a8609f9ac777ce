"""Outbox throughput: exchanges claimed and marked delivered per second, per database.

Usage: python bench/bench_outbox.py [--exchanges N] [--workers K] [--batch B] [--runs R]
                                    [--postgres URL]

Each run creates a fresh database (a temporary SQLite file; with --postgres, or
GATEWAY_TEST_POSTGRES_URL, also a temporary schema there), queues N outbound exchanges, then K
workers, each with its own engine (like separate gateway processes), loop: claim B due exchanges
in one transaction, then mark each delivered in its own transaction, until the outbox is empty.
Every claim and state change writes an exchange event and a chained audit entry, as in
production. Prints the median over R runs of exchanges/second (claim + delivery) and checks that
no exchange was claimed twice.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import text

from gateway.db.database import Database
from gateway.db.engine import PostgresConfig, create_engine
from gateway.db.migrations import upgrade_async
from gateway.db.repos import exchanges
from gateway.exchange import outbox
from gateway.exchange.states import Direction, State

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def _queue(db: Database, count: int) -> None:
    async with db.transaction() as session:
        for n in range(count):
            exchange = await exchanges.create_exchange(
                session, direction=Direction.OUTBOUND, message_id=f"bench-{n}", now=NOW,
                actor="bench")
            await exchanges.transition(session, exchange, State.VALIDATED, now=NOW, actor="b")
            await outbox.enqueue(session, exchange, now=NOW, actor="bench")


async def _worker(db: Database, name: str, batch: int, claimed: list[str]) -> None:
    while True:
        async with db.transaction() as session:
            ids = [e.id for e in await outbox.claim_due(session, worker_id=name, now=NOW,
                                                        limit=batch)]
        if not ids:
            return
        claimed.extend(ids)
        for exchange_id in ids:
            async with db.transaction() as session:
                await outbox.mark_delivered(session, exchange_id, worker_id=name, now=NOW)


async def _run(url: str, schema: str | None, count: int, workers: int, batch: int) -> float:
    config = PostgresConfig(schema=schema)
    dbs = [Database.from_url(url, postgres=config) for _ in range(workers)]
    try:
        await upgrade_async(dbs[0].engine)
        await _queue(dbs[0], count)
        claimed: list[str] = []
        start = time.perf_counter()
        await asyncio.gather(*(_worker(db, f"w{i}", batch, claimed) for i, db in enumerate(dbs)))
        elapsed = time.perf_counter() - start
        if len(claimed) != count or len(set(claimed)) != count:
            raise SystemExit(f"claimed {len(claimed)} ({len(set(claimed))} distinct) of {count}")
        return count / elapsed
    finally:
        for db in dbs:
            await db.dispose()


async def _schema(url: str, name: str, *, drop: bool) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            sql = f'DROP SCHEMA "{name}" CASCADE' if drop else f'CREATE SCHEMA "{name}"'
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


async def _measure(label: str, url: str | None, args: argparse.Namespace) -> None:
    rates = []
    for _ in range(args.runs):
        if url is None:
            with tempfile.TemporaryDirectory() as tmp:
                rates.append(await _run(f"sqlite+aiosqlite:///{tmp}/bench.sqlite", None,
                                        args.exchanges, args.workers, args.batch))
            continue
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        await _schema(url, schema, drop=False)
        try:
            rates.append(await _run(url, schema, args.exchanges, args.workers, args.batch))
        finally:
            await _schema(url, schema, drop=True)
    print(f"{label:<11} {args.exchanges} exchanges, {args.workers} workers, batch {args.batch}: "
          f"median {statistics.median(rates):7.1f} exchanges/s "
          f"(runs: {', '.join(f'{r:.1f}' for r in rates)})")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exchanges", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("GATEWAY_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    await _measure("sqlite", None, args)
    if args.postgres:
        await _measure("postgresql", args.postgres, args)


if __name__ == "__main__":
    asyncio.run(main())
