"""An Idempotency-Key whose request died with its process (kill -9 between the claim and the
answer) does not block its retries for ever, and the outbound submission's answer commits
with its effects."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gateway.api import keys
from gateway.db.repos import idempotency
from gateway.db.tables.idempotency import IdempotencyKey
from gateway.transports.base import utc_now
from tests.integration.api.conftest import Gateway

JSON = {"Content-Type": "application/json"}


async def _claim_as_a_dead_request(gateway: Gateway, path_qs: str, body: bytes, key: str,
                                   age: timedelta) -> None:
    """What a request killed after claiming its key leaves behind: a claim, no answer."""
    fingerprint = idempotency.request_fingerprint("POST", path_qs, body)
    async with gateway.app[keys.DATABASE].transaction() as session:
        assert await idempotency.begin_request(session, scope="admin", key=key,
                                               request_hash=fingerprint,
                                               now=utc_now() - age) is None


async def test_a_dead_requests_key_is_taken_over_after_the_claim_time(
    gateway: Gateway, invoice_json: bytes
) -> None:
    receiver, _ = await gateway.create_partner("acme")
    path_qs = f"/admin/v1/outbound?receiver={receiver}&document_type=invoice"
    claim = timedelta(seconds=gateway.app[keys.SETTINGS].idempotency_claim_seconds)
    await _claim_as_a_dead_request(gateway, path_qs, invoice_json, "fresh", timedelta(0))
    await _claim_as_a_dead_request(gateway, path_qs, invoice_json, "stale",
                                   claim + timedelta(seconds=1))
    headers = {**gateway.admin, **JSON}
    fresh = await gateway.client.post(path_qs, data=invoice_json,
                                      headers=headers | {"Idempotency-Key": "fresh"})
    assert fresh.status == 409
    assert (await fresh.json())["code"] == "idempotency-request-in-progress"
    stale = await gateway.client.post(path_qs, data=invoice_json,
                                      headers=headers | {"Idempotency-Key": "stale"})
    assert stale.status == 202, await stale.text()
    replay = await gateway.client.post(path_qs, data=invoice_json,
                                       headers=headers | {"Idempotency-Key": "stale"})
    assert replay.status == 202
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert await replay.read() == await stale.read()


async def test_the_outbound_answer_commits_with_the_document(
    gateway: Gateway, invoice_json: bytes
) -> None:
    receiver, _ = await gateway.create_partner("acme")
    response = await gateway.send_outbound(receiver, invoice_json,
                                           headers={"Idempotency-Key": "with-effects"})
    assert response.status == 202
    accepted = await response.json()
    async with gateway.app[keys.DATABASE].read() as session:
        row = (await session.scalars(select(IdempotencyKey).where(
            IdempotencyKey.key == "with-effects"))).one()
    assert row.response_status == 202
    assert row.response_body == await response.read()
    # the stored answer names the exchange the same transaction queued
    exchange = await gateway.client.get(f"/admin/v1/exchanges/{accepted['exchange_id']}",
                                        headers=gateway.admin)
    assert (await exchange.json())["state"] == "queued"
