"""Signed webhooks to the internal systems: delivered, verifiable, logged, retried, replayable."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from gateway.webhooks.signing import verify
from tests.integration.api.conftest import Gateway

SECRET = "a-webhook-secret-of-32-bytes-len"


@dataclass
class Receiver:
    """An internal system's webhook endpoint; answers `status` (a list, popped per call)."""

    statuses: list[int] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((dict(request.headers), await request.read()))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    hook.url = str(server.make_url("/hook"))
    yield hook
    await server.close()


async def subscribe(gateway: Gateway, url: str, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("TEST_HOOK_SECRET", SECRET)
    response = await gateway.client.post(
        "/admin/v1/webhooks/subscriptions", headers=gateway.admin,
        json={"url": url, "event_types": ["document.received"],
              "signing_keys": [{"key_id": "k1", "secret_ref": "env:TEST_HOOK_SECRET"}]})
    assert response.status == 201, await response.text()
    return await response.json()


async def receive_invoice(gateway: Gateway, invoice_xml: bytes) -> dict:
    _, auth = await gateway.create_partner("seller")
    response = await gateway.client.post("/v1/documents", data=invoice_xml,
                                         headers={**auth, "Content-Type": "application/xml"})
    assert response.status == 201
    return await response.json()


async def deliveries(gateway: Gateway) -> list[dict]:
    response = await gateway.client.get("/admin/v1/webhooks/deliveries", headers=gateway.admin)
    return (await response.json())["items"]


async def test_routed_document_is_posted_signed(
    gateway: Gateway, receiver: Receiver, invoice_xml: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    await subscribe(gateway, receiver.url, monkeypatch)
    document = await receive_invoice(gateway, invoice_xml)
    assert await gateway.dispatcher().run_once() == 1

    headers, body = receiver.requests[0]
    assert verify(headers, body, {"k1": SECRET.encode()}) == "k1"
    event = json.loads(body)
    assert event["type"] == "document.received"
    assert event["data"]["document_id"] == document["id"]
    assert event["data"]["document"]["id"] == "Snippet1"
    assert headers["X-Gateway-Message-Id"] == event["id"]
    [logged] = await deliveries(gateway)
    assert (logged["status"], logged["response_status"]) == ("delivered", 200)

    replay = await gateway.client.post(
        f"/admin/v1/webhooks/deliveries/{logged['id']}/replay", headers=gateway.admin)
    assert replay.status == 200
    await gateway.dispatcher().run_once()
    replayed_headers, replayed_body = receiver.requests[1]
    assert replayed_body == body  # same bytes, same event id
    assert verify(replayed_headers, replayed_body, {"k1": SECRET.encode()}) == "k1"


async def test_failed_webhook_is_retried_then_dead_lettered(
    gateway: Gateway, receiver: Receiver, invoice_xml: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    await subscribe(gateway, receiver.url, monkeypatch)
    receiver.statuses = [503, 503, 503]
    await receive_invoice(gateway, invoice_xml)
    for _ in range(4):
        await gateway.dispatcher().run_once()
        await asyncio.sleep(0.01)
    [logged] = await deliveries(gateway)
    assert (logged["status"], logged["attempts"]) == ("dead_letter", 3)
    assert logged["response_status"] == 503
    assert "503" in logged["last_error"]
    await gateway.client.post(f"/admin/v1/webhooks/deliveries/{logged['id']}/replay",
                              headers=gateway.admin)
    await gateway.dispatcher().run_once()
    [logged] = await deliveries(gateway)
    assert logged["status"] == "delivered"
    assert len(receiver.requests) == 4


async def test_subscriptions_must_be_signed(gateway: Gateway) -> None:
    response = await gateway.client.post(
        "/admin/v1/webhooks/subscriptions", headers=gateway.admin,
        json={"url": "https://erp.example/hook", "event_types": ["*"], "signing_keys": []})
    assert response.status == 400
    assert "signing_keys" in (await response.json())["detail"]
