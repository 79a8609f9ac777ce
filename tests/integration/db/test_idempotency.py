"""Idempotency keys: a retry gets the first response; a reused key is refused."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from gateway.db.database import Database
from gateway.db.repos import idempotency
from gateway.db.repos.idempotency import (
    IdempotencyKeyReusedError,
    IdempotencyRequestInProgress,
    StoredResponse,
    request_fingerprint,
)
from gateway.db.tables.idempotency import IdempotencyKey
from gateway.errors import InputError
from tests.integration.db.helpers import T0, at

REQUEST = request_fingerprint("POST", "/v1/invoices", b'{"id": "INV-1"}')
BODY = b'{"exchange_id": "x-1"}'


async def _first_request(database: Database, key: str = "key-1") -> None:
    async with database.transaction() as session:
        assert (
            await idempotency.begin_request(
                session, scope="p1", key=key, request_hash=REQUEST, now=T0
            )
            is None
        )
        await idempotency.complete_request(
            session,
            scope="p1",
            key=key,
            status=201,
            body=BODY,
            content_type="application/json",
            now=T0,
        )


async def test_retry_returns_the_first_response(database: Database) -> None:
    await _first_request(database)
    async with database.transaction() as session:
        replayed = await idempotency.begin_request(
            session, scope="p1", key="key-1", request_hash=REQUEST, now=at(10)
        )
    assert replayed == StoredResponse(201, BODY, "application/json")


async def test_key_reused_for_another_request_is_refused(database: Database) -> None:
    await _first_request(database)
    other = request_fingerprint("POST", "/v1/invoices", b'{"id": "INV-2"}')
    async with database.transaction() as session:
        with pytest.raises(IdempotencyKeyReusedError, match="different request"):
            await idempotency.begin_request(
                session, scope="p1", key="key-1", request_hash=other, now=at(10)
            )


async def test_keys_are_scoped(database: Database) -> None:
    await _first_request(database)
    async with database.transaction() as session:
        assert (
            await idempotency.begin_request(
                session, scope="p2", key="key-1", request_hash=REQUEST, now=at(10)
            )
            is None
        )


async def test_unfinished_request_is_reported_in_progress(database: Database) -> None:
    async with database.transaction() as session:
        await idempotency.begin_request(session, scope="p1", key="k", request_hash=REQUEST, now=T0)
    async with database.transaction() as session:
        with pytest.raises(IdempotencyRequestInProgress):
            await idempotency.begin_request(
                session, scope="p1", key="k", request_hash=REQUEST, now=at(1)
            )


async def test_failed_request_leaves_no_key(database: Database) -> None:
    async def failing_handler() -> None:
        async with database.transaction() as session:
            await idempotency.begin_request(
                session, scope="p1", key="k", request_hash=REQUEST, now=T0
            )
            raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError):
        await failing_handler()
    await _first_request(database, "k")  # the retry runs for real


async def test_concurrent_duplicate_waits_for_the_first(
    database: Database, make_database: object
) -> None:
    """The second request blocks on the key until the first commits, then replays it."""
    other = make_database()  # type: ignore[operator]
    first_began = asyncio.Event()

    async def first() -> None:
        async with database.transaction() as session:
            await idempotency.begin_request(
                session, scope="p1", key="k", request_hash=REQUEST, now=T0
            )
            first_began.set()
            await asyncio.sleep(0.3)
            await idempotency.complete_request(
                session,
                scope="p1",
                key="k",
                status=202,
                body=BODY,
                content_type="application/json",
                now=T0,
            )

    async def second() -> StoredResponse | None:
        await first_began.wait()
        async with other.transaction() as session:
            return await idempotency.begin_request(
                session, scope="p1", key="k", request_hash=REQUEST, now=at(1)
            )

    _, replayed = await asyncio.gather(first(), second())
    assert replayed == StoredResponse(202, BODY, "application/json")
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


async def test_bad_keys_and_purge(database: Database) -> None:
    async with database.transaction() as session:
        with pytest.raises(InputError):
            await idempotency.begin_request(
                session, scope="p1", key="", request_hash=REQUEST, now=T0
            )
    await _first_request(database)
    async with database.transaction() as session:
        assert await idempotency.purge_expired(session, older_than=at(1)) == 1
        assert await idempotency.purge_expired(session, older_than=at(1)) == 0
