"""Idempotency keys whose request died: taken over after the claim time, fenced by it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.db.database import Database
from gateway.db.repos import idempotency
from gateway.db.repos.idempotency import (
    IdempotencyClaimLost,
    IdempotencyRequestInProgress,
    StoredResponse,
    request_fingerprint,
)
from tests.integration.db.helpers import T0, at

REQUEST = request_fingerprint("POST", "/admin/v1/outbound", b'{"id": "INV-1"}')
STALE = timedelta(seconds=30)


async def _claim(database: Database, now_s: float) -> StoredResponse | None:
    async with database.transaction() as session:
        return await idempotency.begin_request(session, scope="admin", key="k", now=at(now_s),
                                               request_hash=REQUEST, stale_after=STALE)


async def _complete(database: Database, claimed_s: float, body: bytes) -> None:
    async with database.transaction() as session:
        await idempotency.complete_request(
            session, scope="admin", key="k", status=202, body=body,
            content_type="application/json", now=at(claimed_s + 1), claimed_at=at(claimed_s))


async def test_a_live_claim_is_in_progress_until_it_goes_stale(database: Database) -> None:
    assert await _claim(database, 0) is None
    with pytest.raises(IdempotencyRequestInProgress):
        await _claim(database, 29)
    assert await _claim(database, 30) is None  # the first request's process died: take over
    with pytest.raises(IdempotencyRequestInProgress):
        await _claim(database, 31)  # the new claim is live


async def test_the_old_request_cannot_complete_after_a_takeover(database: Database) -> None:
    assert await _claim(database, 0) is None
    assert await _claim(database, 40) is None
    with pytest.raises(IdempotencyClaimLost):
        await _complete(database, 0, b'{"from": "the old request"}')
    await _complete(database, 40, b'{"from": "the retry"}')
    assert await _claim(database, 100) == StoredResponse(
        202, b'{"from": "the retry"}', "application/json")


async def test_a_completed_key_is_never_taken_over(database: Database) -> None:
    assert await _claim(database, 0) is None
    await _complete(database, 0, b"{}")
    assert await _claim(database, 3600) == StoredResponse(202, b"{}", "application/json")
    with pytest.raises(IdempotencyClaimLost):
        await _complete(database, 0, b"{}")  # completing twice is refused as well


async def test_without_stale_after_a_claim_never_expires(database: Database) -> None:
    async with database.transaction() as session:
        assert await idempotency.begin_request(session, scope="admin", key="k", now=T0,
                                               request_hash=REQUEST) is None
    async with database.transaction() as session:
        with pytest.raises(IdempotencyRequestInProgress):
            await idempotency.begin_request(session, scope="admin", key="k",
                                            now=T0 + timedelta(days=1), request_hash=REQUEST)
