"""HttpTransport against a real local HTTPS partner: trust, pinning, mTLS, verdicts, retries."""

from __future__ import annotations

import base64
import hashlib
import logging
import socket
import ssl
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from gateway.transports.base import Envelope
from gateway.transports.endpoint import EndpointConfig
from gateway.transports.errors import (
    CertificatePinMismatchError,
    ConnectionFailedError,
    DeliveryError,
    DeliveryTimeoutError,
    EndpointConfigError,
    RemoteRejectedError,
    RemoteUnavailableError,
    TlsHandshakeError,
    TlsVerificationError,
    UnexpectedResponseError,
)
from gateway.transports.http import HttpTransport
from gateway.webhooks.signing import SigningKey, sign, verify
from tests.integration.transports.conftest import PARTNER_KEY, StartServer
from tests.integration.transports.pki import Pki

PAYLOAD = (
    b'<?xml version="1.0"?>'
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'
)
HOOK_KEY = SigningKey("k1", b"whsec_integration_secret")


def envelope(message_id: str = "msg-0001") -> Envelope:
    return Envelope(
        message_id=message_id,
        document_type="peppol-bis-billing-3-invoice",
        sender_id="0088:5790000435968",
        receiver_id="0088:5790000435975",
        payload=PAYLOAD,
        content_type="application/xml",
    )


def endpoint(url: str, pki: Pki, **changes: object) -> EndpointConfig:
    fields: dict[str, object] = {"url": url, "ca_pem": str(pki.ca.cert_path), "timeout": 5.0}
    fields.update(changes)
    return EndpointConfig(**fields)  # type: ignore[arg-type]


async def test_plain_delivery_with_custom_ca(
    start_server: StartServer, session: aiohttp.ClientSession, pki: Pki
) -> None:
    server = await start_server()
    receipt = await HttpTransport(session).send(envelope(), endpoint(server.url("/ok"), pki))
    assert receipt.status_code == 202
    assert receipt.remote_message_id == "rcpt-msg-0001"
    assert receipt.raw == b'{"accepted": true}'
    assert receipt.sha256 == hashlib.sha256(receipt.raw).hexdigest()
    assert receipt.transport == "http"
    assert receipt.received_at.tzinfo is not None
    [request] = server.requests
    assert request.body == PAYLOAD
    assert request.headers["Content-Type"] == "application/xml"
    assert request.headers["X-Gateway-Message-Id"] == "msg-0001"
    assert request.headers["X-Gateway-Document-Type"] == "peppol-bis-billing-3-invoice"
    assert "X-Gateway-Signature" not in request.headers


async def test_ca_as_pem_text_and_ip_address_url(
    start_server: StartServer, session: aiohttp.ClientSession, pki: Pki
) -> None:
    server = await start_server(host="127.0.0.1")
    target = endpoint(server.url("/ok"), pki, ca_pem=pki.ca.cert_pem)
    assert (await HttpTransport(session).send(envelope(), target)).status_code == 202


async def test_signed_delivery_verifies_at_the_receiver(
    start_server: StartServer, session: aiohttp.ClientSession, pki: Pki
) -> None:
    server = await start_server()
    target = endpoint(server.url("/ok"), pki, signing_keys=(HOOK_KEY,))
    await HttpTransport(session).send(envelope(), target)
    [request] = server.requests
    assert verify(request.headers, request.body, {"k1": HOOK_KEY.secret}) == "k1"


@pytest.mark.parametrize("trust", ["system store", "other CA"])
async def test_unknown_ca_is_rejected_before_sending(
    start_server: StartServer, session: aiohttp.ClientSession, pki: Pki, trust: str
) -> None:
    server = await start_server()
    ca_pem = None if trust == "system store" else str(pki.other_ca.cert_path)
    with pytest.raises(TlsVerificationError) as caught:
        await HttpTransport(session).send(
            envelope(), endpoint(server.url("/ok"), pki, ca_pem=ca_pem)
        )
    assert caught.value.retryable is False
    assert caught.value.wire_code.startswith("tls:")
    assert server.requests == []


async def test_pin_match_is_accepted(
    start_server: StartServer, session: aiohttp.ClientSession, pki: Pki
) -> None:
    server = await start_server()
    pin = pki.server.spki_sha256_hex()
    other = hashlib.sha256(b"next key").hexdigest()
    for pins in [
        (pin,),
        (other, pin),
        ("sha256/" + base64.b64encode(bytes.fromhex(pin)).decode(),),
    ]:
        target = endpoint(server.url("/ok"), pki, pinned_spki_sha256=pins)
        assert (await HttpTransport(session).send(envelope(), target)).status_code == 202
    assert len(server.requests) == 3


async def test_pin_mismatch_is_rejected_before_sending(
    start_server: StartServer, session: aiohttp.ClientSession, pki: Pki
) -> None:
    server = await start_server()
    # The CA's key is trusted but not pinned: only the server's own key is.
    target = endpoint(server.url("/ok"), pki, pinned_spki_sha256=(pki.ca.spki_sha256_hex(),))
    with pytest.raises(CertificatePinMismatchError) as caught:
        await HttpTransport(session).send(envelope(), target)
    assert caught.value.retryable is False
    assert caught.value.wire_code == "tls:PIN_MISMATCH"
    assert pki.server.spki_sha256_hex() in caught.value.message
    assert server.requests == []


async def test_mtls_client_certificate_presented(
    start_server: StartServer, session: aiohttp.ClientSession, pki: Pki
) -> None:
    server = await start_server(require_client_cert=True)
    by_path = endpoint(
        server.url("/ok"),
        pki,
        client_cert_pem=str(pki.client.cert_path),
        client_key_pem=str(pki.client.key_path),
    )
    by_text = endpoint(
        server.url("/ok"),
        pki,
        client_cert_pem=pki.client.cert_pem,
        client_key_pem=pki.client.key_pem,
    )
    transport = HttpTransport(session)
    assert (await transport.send(envelope("m-1"), by_path)).status_code == 202
    assert (await transport.send(envelope("m-2"), by_text)).status_code == 202
    expected = pki.client.certificate.public_bytes(Encoding.DER)
    assert [r.client_certificate for r in server.requests] == [expected, expected]


@pytest.mark.parametrize("client", ["none", "rogue"])
async def test_mtls_without_an_accepted_certificate_fails(
    start_server: StartServer, session: aiohttp.ClientSession, pki: Pki, client: str
) -> None:
    server = await start_server(require_client_cert=True)
    changes: dict[str, object] = {}
    if client == "rogue":
        changes = {
            "client_cert_pem": str(pki.rogue_client.cert_path),
            "client_key_pem": str(pki.rogue_client.key_path),
        }
    with pytest.raises((TlsHandshakeError, ConnectionFailedError)) as caught:
        await HttpTransport(session).send(envelope(), endpoint(server.url("/ok"), pki, **changes))
    # Under TLS 1.3 the refusal usually arrives as a reset (retryable); the message says why.
    if isinstance(caught.value, ConnectionFailedError):
        assert "client certificate" in caught.value.message
    assert server.requests == []


async def test_503_is_retryable_and_keeps_the_partner_answer(
    start_server: StartServer, session: aiohttp.ClientSession, pki: Pki
) -> None:
    server = await start_server()
    with pytest.raises(RemoteUnavailableError) as caught:
        await HttpTransport(session).send(envelope(), endpoint(server.url("/flaky"), pki))
    error = caught.value
    assert error.retryable is True
    assert error.remote_status == 503
    assert error.wire_code == "http:503"
    assert error.retry_after == timedelta(seconds=7)
    assert error.receipt is not None
    assert error.receipt.raw == b"maintenance"


async def test_400_is_not_retryable(
    start_server: StartServer, session: aiohttp.ClientSession, pki: Pki
) -> None:
    server = await start_server()
    with pytest.raises(RemoteRejectedError) as caught:
        await HttpTransport(session).send(envelope(), endpoint(server.url("/reject"), pki))
    assert caught.value.retryable is False
    assert "BR-CO-10 failed" in caught.value.message
    assert caught.value.receipt is not None
    assert (caught.value.receipt.content_type or "").startswith("application/problem+json")


async def test_attempts_are_logged_without_url_secrets(
    start_server: StartServer,
    session: aiohttp.ClientSession,
    pki: Pki,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = await start_server()
    transport = HttpTransport(session)
    caplog.set_level(logging.INFO, logger="gateway.transports.http")
    await transport.send(envelope("m-ok"), endpoint(server.url("/ok?token=s3cret"), pki))
    with pytest.raises(RemoteRejectedError) as caught:
        await transport.send(envelope("m-bad"), endpoint(server.url("/reject?token=s3cret"), pki))
    delivered, failed = caplog.records
    assert delivered.levelno == logging.INFO
    assert "delivered m-ok" in delivered.getMessage()
    assert failed.levelno == logging.WARNING
    assert "remote-rejected [http:400, retryable=False]" in failed.getMessage()
    assert "s3cret" not in caplog.text
    assert "s3cret" not in caught.value.message


async def test_redirect_is_not_followed(
    start_server: StartServer, session: aiohttp.ClientSession, pki: Pki
) -> None:
    server = await start_server()
    with pytest.raises(UnexpectedResponseError):
        await HttpTransport(session).send(envelope(), endpoint(server.url("/redirect"), pki))
    assert server.paths() == ["/redirect"]


async def test_timeout_is_retryable(
    start_server: StartServer, session: aiohttp.ClientSession, pki: Pki
) -> None:
    server = await start_server()
    target = endpoint(server.url("/slow"), pki, timeout=0.5, connect_timeout=0.5)
    with pytest.raises(DeliveryTimeoutError) as caught:
        await HttpTransport(session).send(envelope(), target)
    assert caught.value.retryable is True
    assert caught.value.wire_code == "timeout"


async def test_connection_refused_is_retryable(session: aiohttp.ClientSession, pki: Pki) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectionFailedError) as caught:
        await HttpTransport(session).send(envelope(), endpoint(f"https://127.0.0.1:{port}/", pki))
    assert caught.value.retryable is True
    assert caught.value.wire_code == "os:ECONNREFUSED"


async def test_same_message_id_and_bytes_on_every_retry(
    start_server: StartServer, session: aiohttp.ClientSession, pki: Pki
) -> None:
    server = await start_server()
    moments = iter(datetime(2024, 6, 3, 16, m, tzinfo=UTC) for m in range(0, 60, 1))
    transport = HttpTransport(session, clock=lambda: next(moments))
    target = endpoint(server.url("/flaky"), pki, signing_keys=(HOOK_KEY,))
    outcomes: list[tuple[int | None, bool]] = []
    for _ in range(5):
        try:
            receipt = await transport.send(envelope("msg-retry"), target)
        except DeliveryError as exc:
            outcomes.append((exc.remote_status, exc.retryable))
        else:
            outcomes.append((receipt.status_code, True))
            break
    assert outcomes == [(503, True), (503, True), (202, True)]
    assert {r.headers["X-Gateway-Message-Id"] for r in server.requests} == {"msg-retry"}
    assert {r.body for r in server.requests} == {PAYLOAD}
    signatures = [r.headers["X-Gateway-Signature"] for r in server.requests]
    assert len(set(signatures)) == 3  # re-signed at each attempt, never stale


async def test_long_answers_are_capped(
    start_server: StartServer, session: aiohttp.ClientSession, pki: Pki
) -> None:
    server = await start_server()
    target = endpoint(server.url("/big"), pki, max_receipt_bytes=1000)
    receipt = await HttpTransport(session).send(envelope(), target)
    assert receipt.truncated is True
    assert receipt.raw == b"x" * 1000
    assert receipt.sha256 == hashlib.sha256(b"x" * 1000).hexdigest()


async def test_unreadable_tls_material_is_a_configuration_error(
    session: aiohttp.ClientSession, pki: Pki
) -> None:
    transport = HttpTransport(session)
    cases = [
        {"ca_pem": "/nonexistent/ca.pem"},
        {"ca_pem": "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"},
        {"client_cert_pem": str(pki.client.cert_path), "client_key_pem": str(pki.server.key_path)},
        {"client_cert_pem": "/nonexistent/c.pem", "client_key_pem": "/nonexistent/c.key"},
    ]
    for changes in cases:
        with pytest.raises(EndpointConfigError) as caught:
            await transport.send(envelope(), endpoint("https://localhost:1/", pki, **changes))
        assert caught.value.retryable is False
        assert "BEGIN" not in caught.value.message


class TestInbound:
    """read_inbound_request + HttpTransport.receive behind a real TLS listener."""

    async def post(
        self,
        session: aiohttp.ClientSession,
        url: str,
        pki: Pki,
        body: bytes,
        headers: dict[str, str],
        *,
        cert: bool = False,
    ) -> tuple[int, dict[str, str]]:
        context = ssl.create_default_context(cafile=str(pki.ca.cert_path))
        if cert:
            context.load_cert_chain(pki.client.cert_path, pki.client.key_path)
        async with session.post(url, data=body, headers=headers, ssl=context) as response:
            return response.status, await response.json()

    async def test_signed_inbound_with_client_certificate(
        self, start_server: StartServer, session: aiohttp.ClientSession, pki: Pki
    ) -> None:
        server = await start_server(require_client_cert=True)
        headers = {
            "Content-Type": "application/xml",
            "X-Gateway-Message-Id": "their-77",
            **sign(PAYLOAD, PARTNER_KEY.secret, PARTNER_KEY.key_id, datetime.now(UTC)),
        }
        status, answer = await self.post(
            session, server.url("/inbound"), pki, PAYLOAD, headers, cert=True
        )
        der = pki.client.certificate.public_bytes(Encoding.DER)
        assert status == 200
        assert answer == {
            "message_id": "their-77",
            "key_id": "partner-k1",
            "client_certificate_sha256": hashlib.sha256(der).hexdigest(),
            "sha256": hashlib.sha256(PAYLOAD).hexdigest(),
            "content_type": "application/xml",
        }

    async def test_unsigned_inbound_is_401(
        self, start_server: StartServer, session: aiohttp.ClientSession, pki: Pki
    ) -> None:
        server = await start_server()
        status, answer = await self.post(
            session, server.url("/inbound"), pki, PAYLOAD, {"Content-Type": "application/xml"}
        )
        assert (status, answer) == (401, {"code": "signature-missing"})

    async def test_oversized_inbound_is_413(
        self, start_server: StartServer, session: aiohttp.ClientSession, pki: Pki
    ) -> None:
        server = await start_server()
        status, answer = await self.post(
            session,
            server.url("/inbound"),
            pki,
            b"<a>" + b" " * 5000 + b"</a>",
            {"Content-Type": "application/xml"},
        )
        assert (status, answer) == (413, {"code": "payload-too-large"})
