"""The docs/webhooks.md receiver, run as written, receives what HttpTransport sends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import HTTPServer
from typing import Any

import aiohttp
import pytest

from gateway.transports.endpoint import EndpointConfig
from gateway.transports.errors import RemoteRejectedError
from gateway.transports.http import HttpTransport
from gateway.webhooks.delivery import new_event, webhook_envelope
from gateway.webhooks.signing import SigningKey
from tests.unit.webhooks.test_docs_receiver import receiver_source

KEY = SigningKey("k1", b"whsec_docs_receiver_e2e_0")


@pytest.fixture
def docs_receiver() -> Iterator[tuple[str, dict[str, Any]]]:
    namespace: dict[str, Any] = {"__name__": "docs_receiver"}
    exec(compile(receiver_source(), "docs/webhooks.md", "exec"), namespace)
    namespace["SECRETS"] = {KEY.key_id: KEY.secret}
    namespace["SEEN_MESSAGE_IDS"].clear()
    handler = namespace["GatewayWebhookHandler"]
    handler.log_message = lambda *args: None
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", namespace
    finally:
        server.shutdown()
        server.server_close()


async def test_signed_event_accepted_then_deduplicated(
    docs_receiver: tuple[str, dict[str, Any]], session: aiohttp.ClientSession
) -> None:
    url, namespace = docs_receiver
    event = new_event("invoice.delivered", {"invoice_id": "INV-1"}, now=datetime.now(UTC))
    envelope = webhook_envelope(event, sender_id="gateway", receiver_id="erp")
    endpoint = EndpointConfig(url, allow_plain_http=True, signing_keys=(KEY,))
    transport = HttpTransport(session)
    first = await transport.send(envelope, endpoint)
    again = await transport.send(envelope, endpoint)
    assert (first.status_code, again.status_code) == (202, 200)
    assert b"duplicate" in again.raw
    assert namespace["SEEN_MESSAGE_IDS"] == {event.event_id}


async def test_wrong_key_is_refused_for_good(
    docs_receiver: tuple[str, dict[str, Any]], session: aiohttp.ClientSession
) -> None:
    url, _ = docs_receiver
    event = new_event("invoice.delivered", {}, now=datetime.now(UTC))
    envelope = webhook_envelope(event, sender_id="gateway", receiver_id="erp")
    wrong = SigningKey("k1", b"whsec_not_the_right_one")
    endpoint = EndpointConfig(url, allow_plain_http=True, signing_keys=(wrong,))
    with pytest.raises(RemoteRejectedError) as caught:
        await HttpTransport(session).send(envelope, endpoint)
    assert caught.value.remote_status == 401
    assert caught.value.retryable is False
