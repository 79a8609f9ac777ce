"""Two in-process gateway sides exchange an invoice over Peppol AS4 on loopback HTTPS.

Sender: ``PeppolAs4Transport`` (gateway A, seat POP000901). Receiver: the /as4 handler
(``as4_handler``) of gateway B (seat POP000902) with ``StoreSink`` on a real database (SQLite,
and PostgreSQL when GATEWAY_TEST_POSTGRES_URL is set). TLS and message-level keys come from
the development PKI (gateway.signing.pki).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from sqlalchemy import func, select

from gateway.db.database import Database
from gateway.db.tables.documents import Document
from gateway.db.tables.exchanges import Acknowledgement, Exchange
from gateway.peppol import sbdh
from gateway.peppol.as4 import message as message_module
from gateway.peppol.as4.endpoint import As4Endpoint, as4_handler
from gateway.peppol.as4.errors import (
    DECOMPRESSION_FAILURE,
    FAILED_AUTHENTICATION,
    MISSING_RECEIPT,
    PEPPOL_NOT_SERVICED,
    POLICY_NONCOMPLIANCE,
    InvalidReceiptError,
    MissingReceiptError,
    RemoteEbmsError,
)
from gateway.peppol.as4.inbound import ReceiverSettings
from gateway.peppol.as4.outbound import SenderIdentity, prepare_message
from gateway.peppol.as4.receipt import parse_error_signal, verify_receipt
from gateway.peppol.as4.store import StoreSink
from gateway.peppol.as4.transport import DISCOVERY_URL, As4TransportConfig, PeppolAs4Transport
from gateway.peppol.discovery import Discovery, DiscoveryConfig, aiohttp_fetch
from gateway.peppol.errors import CertificateMismatch
from gateway.peppol.identifiers import ParticipantId
from gateway.peppol.smp_publish import (
    PublishedEndpoint,
    build_service_metadata,
    sign_service_metadata,
)
from gateway.signing import pki
from gateway.signing.document import DocumentSigner
from gateway.signing.trust import SignerTrust
from gateway.transports.base import Envelope
from gateway.transports.endpoint import EndpointConfig
from gateway.transports.errors import TlsVerificationError
from gateway.transports.http import new_client_session
from tests.unit.peppol.as4_support import Served

SENDER = ParticipantId("0088:7300010000001")
RECEIVER = ParticipantId("0088:5790000435975")
BASE_EXAMPLE = "peppol-bis-billing-3/examples/base-example.xml"


@pytest.fixture(scope="module")
def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def dev_pki(now: datetime) -> pki.DevPki:
    return pki.build_dev_pki(now=now, partners=(), tls_hosts=("localhost", "127.0.0.1"))


@pytest.fixture(scope="module")
def other_pki(now: datetime) -> pki.DevPki:
    return pki.build_dev_pki(now=now, seats=("POP000666",), partners=(), tls_hosts=("127.0.0.1",))


@pytest.fixture(scope="module")
def invoice(standards_dir: Path) -> bytes:
    return (standards_dir / BASE_EXAMPLE).read_bytes()


def _pem(issued: pki.IssuedCertificate) -> str:
    return issued.certificate.public_bytes(serialization.Encoding.PEM).decode()


def _trust_check(dev_pki: pki.DevPki) -> Callable[[object], None]:
    trust = SignerTrust(
        anchors=(dev_pki.root.certificate,), intermediates=(dev_pki.ap_ca.certificate,)
    )
    return lambda certificate: trust.check_certificate(certificate, datetime.now(UTC))  # type: ignore[arg-type]


@dataclass
class ReceivingGateway:
    url: str
    database: Database
    sink: StoreSink
    settings: ReceiverSettings
    endpoint: As4Endpoint

    async def count(self, table: type) -> int:
        async with self.database.read() as session:
            return int(await session.scalar(select(func.count()).select_from(table)) or 0)


@pytest.fixture
async def receiver(
    database: Database, dev_pki: pki.DevPki, tmp_path: Path
) -> AsyncIterator[Callable[..., object]]:
    runners: list[web.AppRunner] = []
    tls = dev_pki.entries["tls/server"]
    (tmp_path / "tls.crt").write_bytes(tls.chain_pem())
    (tmp_path / "tls.key").write_bytes(tls.key_pem())
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "tls.crt", tmp_path / "tls.key")

    async def start(**changes: object) -> ReceivingGateway:
        settings = ReceiverSettings(
            keys=changes.pop("keys", (dev_pki.entries["ap/POP000902"].credentials(),)),  # type: ignore[arg-type]
            check_signer=_trust_check(dev_pki),
            serves=Served(frozenset(changes.pop("served", (RECEIVER,)))),  # type: ignore[arg-type]
            max_payload_bytes=changes.pop("max_payload_bytes", 10 * 1024 * 1024),  # type: ignore[arg-type]
        )
        sink = changes.pop("sink", None) or StoreSink(database)
        endpoint = As4Endpoint(receiver=settings, sink=sink, **changes)  # type: ignore[arg-type]
        app = web.Application()
        app.router.add_post("/as4", as4_handler(endpoint))
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        runners.append(runner)
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return ReceivingGateway(f"https://127.0.0.1:{port}/as4", database, sink, settings, endpoint)

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with new_client_session() as client:
        yield client


def _identity(
    dev_pki: pki.DevPki, seat: str = "POP000901", signer: pki.IssuedCertificate | None = None
) -> SenderIdentity:
    issued = signer or dev_pki.entries[f"ap/{seat}"]
    return SenderIdentity(credentials=issued.credentials(), participant=SENDER, country_c1="BE")


def _sender(
    session: aiohttp.ClientSession, dev_pki: pki.DevPki, **changes: object
) -> PeppolAs4Transport:
    config = As4TransportConfig(identity=_identity(dev_pki), check_peer=_trust_check(dev_pki))
    return PeppolAs4Transport(session, replace(config, **changes))  # type: ignore[arg-type]


def _endpoint(url: str, dev_pki: pki.DevPki, **changes: object) -> EndpointConfig:
    fields: dict[str, object] = {
        "url": url,
        "transport": "peppol-as4",
        "ca_pem": _pem(dev_pki.root),
        "peer_certificate_pem": _pem(dev_pki.entries["ap/POP000902"]),
        "timeout": 20.0,
    }
    return EndpointConfig(**(fields | changes))  # type: ignore[arg-type]


def _envelope(invoice: bytes, message_id: str = "0190f0e1-7a2b-7c3d-8e4f-aabbccddeeff") -> Envelope:
    return Envelope(
        message_id=message_id,
        document_type="peppol-bis-billing-3-invoice",
        sender_id=str(SENDER),
        receiver_id=str(RECEIVER),
        payload=invoice,
        content_type="application/xml",
    )


def _body_of(invoice: bytes) -> bytes:
    return invoice.split(b"?>", 1)[1].strip() if invoice.startswith(b"<?xml") else invoice


async def test_invoice_is_delivered_stored_and_the_receipt_verified(
    receiver: Callable[..., object],
    session: aiohttp.ClientSession,
    dev_pki: pki.DevPki,
    invoice: bytes,
) -> None:
    gateway: ReceivingGateway = await receiver()  # type: ignore[misc]
    receipt = await _sender(session, dev_pki).send(
        _envelope(invoice), _endpoint(gateway.url, dev_pki)
    )
    assert receipt.status_code == 200
    assert receipt.transport == "peppol-as4"
    assert receipt.remote_message_id
    # The stored evidence verifies again later (archived receipt).
    verify_receipt(
        receipt.raw,
        expected_signer=dev_pki.entries["ap/POP000902"].certificate,
        sent_message_id="0190f0e1-7a2b-7c3d-8e4f-aabbccddeeff@gateway.as4",
    )
    async with gateway.database.read() as session_:
        exchange = (await session_.scalars(select(Exchange))).one()
        assert (exchange.direction, exchange.state) == ("inbound", "received")
        assert exchange.message_id == "0190f0e1-7a2b-7c3d-8e4f-aabbccddeeff@gateway.as4"
        document = await session_.get(Document, exchange.document_id)
        ack = (await session_.scalars(select(Acknowledgement))).one()
    assert document is not None
    assert document.sha256 == hashlib.sha256(_body_of(invoice)).hexdigest()
    assert (ack.kind, ack.direction, ack.status) == ("receipt", "outbound", "sent")
    assert ack.detail["from_party"] == "POP000901"
    assert ack.detail["final_recipient"] == f"iso6523-actorid-upis::{RECEIVER.value}"
    assert len(ack.detail["signed_references"]) == 3


async def test_replay_and_retry_are_answered_without_a_second_acceptance(
    receiver: Callable[..., object],
    session: aiohttp.ClientSession,
    dev_pki: pki.DevPki,
    invoice: bytes,
) -> None:
    gateway: ReceivingGateway = await receiver()  # type: ignore[misc]
    endpoint = _endpoint(gateway.url, dev_pki)
    sender = _sender(session, dev_pki)
    target = await sender.resolve(_envelope(invoice), endpoint)
    message = prepare_message(
        _envelope(invoice), target=target, identity=_identity(dev_pki), now=datetime.now(UTC)
    )
    answers = []
    for _ in range(2):  # the very same bytes twice: a replay
        async with session.post(
            gateway.url, data=message.body, headers=message.http_headers(), ssl=_client_tls(dev_pki)
        ) as response:
            answers.append((response.status, await response.read()))
    for status, body in answers:
        assert status == 200
        verify_receipt(
            body,
            expected_signer=target.certificate,
            sent_message_id=message.message_id,
            sent_references=message.signed_references,
        )
    # A retry by the transport: same MessageId, freshly encrypted and signed.
    await sender.send(_envelope(invoice), endpoint)
    async with gateway.database.read() as session_:
        states = sorted((await session_.scalars(select(Exchange.state))).all())
        inbound_documents = await session_.scalar(
            select(func.count()).select_from(Document).where(Document.direction == "inbound")
        )
    assert states == ["duplicate", "duplicate", "received"]
    assert inbound_documents == 1
    assert await gateway.count(Acknowledgement) == 1


def _client_tls(dev_pki: pki.DevPki) -> ssl.SSLContext:
    return ssl.create_default_context(cadata=_pem(dev_pki.root))


async def _post(
    session: aiohttp.ClientSession, url: str, dev_pki: pki.DevPki, content_type: str, body: bytes
) -> tuple[int, bytes]:
    async with session.post(
        url, data=body, headers={"Content-Type": content_type}, ssl=_client_tls(dev_pki)
    ) as response:
        return response.status, await response.read()


async def test_tampered_message_is_failed_authentication_and_not_stored(
    receiver: Callable[..., object],
    session: aiohttp.ClientSession,
    dev_pki: pki.DevPki,
    invoice: bytes,
) -> None:
    gateway: ReceivingGateway = await receiver()  # type: ignore[misc]
    sender = _sender(session, dev_pki)
    target = await sender.resolve(_envelope(invoice), _endpoint(gateway.url, dev_pki))
    message = prepare_message(
        _envelope(invoice), target=target, identity=_identity(dev_pki), now=datetime.now(UTC)
    )
    tampered = message.body.replace(b"<eb:ConversationId>0", b"<eb:ConversationId>1", 1)
    assert tampered != message.body
    status, body = await _post(session, gateway.url, dev_pki, message.content_type, tampered)
    (error,) = parse_error_signal(body)
    assert (status, error.error_code, error.ref_to_message_in_error) == (
        200,
        FAILED_AUTHENTICATION,
        message.message_id,
    )
    assert await gateway.count(Exchange) == 0
    assert await gateway.count(Document) == 0


async def test_zip_bomb_and_oversized_requests_are_refused(
    receiver: Callable[..., object],
    session: aiohttp.ClientSession,
    dev_pki: pki.DevPki,
    invoice: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gateway: ReceivingGateway = await receiver(
        max_payload_bytes=1024 * 1024, max_request_bytes=256 * 1024
    )  # type: ignore[misc]
    endpoint = _endpoint(gateway.url, dev_pki)
    bomb = gzip.compress(b"\0" * (32 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 64 * 1024
    with monkeypatch.context() as patch:
        patch.setattr(message_module, "compress", lambda payload: bomb)
        with pytest.raises(RemoteEbmsError) as bombed:
            await _sender(session, dev_pki).send(_envelope(invoice), endpoint)
    assert (bombed.value.wire_code, bombed.value.retryable) == (DECOMPRESSION_FAILURE, False)
    noise = os.urandom(300_000).hex().encode()  # incompressible: > 256 KiB on the wire
    large = invoice.replace(b"</Invoice>", b"<!--" + noise + b"--></Invoice>")
    assert large != invoice
    with pytest.raises(RemoteEbmsError) as oversized:
        await _sender(session, dev_pki).send(_envelope(large), endpoint)
    assert (oversized.value.wire_code, oversized.value.retryable) == (POLICY_NONCOMPLIANCE, False)
    assert oversized.value.receipt is not None
    assert oversized.value.receipt.status_code == 413
    assert await gateway.count(Exchange) == 0


async def test_untrusted_and_expired_signers_are_refused(
    receiver: Callable[..., object],
    session: aiohttp.ClientSession,
    dev_pki: pki.DevPki,
    other_pki: pki.DevPki,
    invoice: bytes,
    now: datetime,
) -> None:
    gateway: ReceivingGateway = await receiver()  # type: ignore[misc]
    endpoint = _endpoint(gateway.url, dev_pki)
    expired = pki.new_access_point_certificate(
        dev_pki.ap_ca, "POP000903", now=now - timedelta(days=400), validity=timedelta(days=30)
    )
    for signer in (other_pki.entries["ap/POP000666"], expired):
        sender = _sender(session, dev_pki, identity=_identity(dev_pki, signer=signer))
        with pytest.raises(RemoteEbmsError) as caught:
            await sender.send(_envelope(invoice), endpoint)
        assert (caught.value.wire_code, caught.value.retryable) == (FAILED_AUTHENTICATION, False)
    assert await gateway.count(Exchange) == 0


async def test_sender_refuses_an_expired_or_untrusted_receiver_certificate(
    receiver: Callable[..., object],
    session: aiohttp.ClientSession,
    dev_pki: pki.DevPki,
    other_pki: pki.DevPki,
    invoice: bytes,
    now: datetime,
) -> None:
    gateway: ReceivingGateway = await receiver()  # type: ignore[misc]
    expired = pki.new_access_point_certificate(
        dev_pki.ap_ca, "POP000904", now=now - timedelta(days=400), validity=timedelta(days=30)
    )
    for peer in (expired, other_pki.entries["ap/POP000666"]):
        endpoint = _endpoint(gateway.url, dev_pki, peer_certificate_pem=_pem(peer))
        with pytest.raises(CertificateMismatch):
            await _sender(session, dev_pki).send(_envelope(invoice), endpoint)
    assert await gateway.count(Exchange) == 0


async def test_unserved_recipient_is_peppol_not_serviced(
    receiver: Callable[..., object],
    session: aiohttp.ClientSession,
    dev_pki: pki.DevPki,
    invoice: bytes,
) -> None:
    gateway: ReceivingGateway = await receiver(served=(ParticipantId("0088:1111111111111"),))  # type: ignore[misc]
    with pytest.raises(RemoteEbmsError) as caught:
        await _sender(session, dev_pki).send(_envelope(invoice), _endpoint(gateway.url, dev_pki))
    assert (caught.value.wire_code, caught.value.retryable) == (PEPPOL_NOT_SERVICED, False)
    assert await gateway.count(Exchange) == 0


class _BrokenSink:
    async def accept(self, *args: object, **kwargs: object) -> object:
        raise ConnectionError("database unreachable")


async def test_store_failure_answers_a_retryable_error(
    receiver: Callable[..., object],
    session: aiohttp.ClientSession,
    dev_pki: pki.DevPki,
    invoice: bytes,
) -> None:
    gateway: ReceivingGateway = await receiver(sink=_BrokenSink())  # type: ignore[misc]
    with pytest.raises(RemoteEbmsError) as caught:
        await _sender(session, dev_pki).send(_envelope(invoice), _endpoint(gateway.url, dev_pki))
    assert (caught.value.wire_code, caught.value.retryable) == ("EBMS:0004", True)
    assert caught.value.receipt is not None
    assert caught.value.receipt.status_code == 500


async def test_untrusted_tls_server_is_refused(
    receiver: Callable[..., object],
    session: aiohttp.ClientSession,
    dev_pki: pki.DevPki,
    other_pki: pki.DevPki,
    invoice: bytes,
) -> None:
    gateway: ReceivingGateway = await receiver()  # type: ignore[misc]
    endpoint = _endpoint(gateway.url, dev_pki, ca_pem=_pem(other_pki.root))
    with pytest.raises(TlsVerificationError):
        await _sender(session, dev_pki).send(_envelope(invoice), endpoint)


async def _scripted_peer(
    tls_context: ssl.SSLContext, answer: Callable[[web.Request], object]
) -> tuple[web.AppRunner, str]:
    async def handle(request: web.Request) -> web.StreamResponse:
        await request.read()
        return answer(request)  # type: ignore[return-value]

    app = web.Application()
    app.router.add_post("/as4", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls_context)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"https://127.0.0.1:{port}/as4"


@pytest.fixture
def server_tls(dev_pki: pki.DevPki, tmp_path: Path) -> ssl.SSLContext:
    tls = dev_pki.entries["tls/server"]
    (tmp_path / "peer.crt").write_bytes(tls.chain_pem())
    (tmp_path / "peer.key").write_bytes(tls.key_pem())
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "peer.crt", tmp_path / "peer.key")
    return context


async def test_missing_and_foreign_receipts(
    server_tls: ssl.SSLContext,
    session: aiohttp.ClientSession,
    dev_pki: pki.DevPki,
    receiver: Callable[..., object],
    invoice: bytes,
) -> None:
    runner, url = await _scripted_peer(
        server_tls, lambda request: web.Response(status=200, body=b"")
    )
    try:
        with pytest.raises(MissingReceiptError) as missing:
            await _sender(session, dev_pki).send(_envelope(invoice), _endpoint(url, dev_pki))
        assert (missing.value.wire_code, missing.value.retryable) == (MISSING_RECEIPT, True)
    finally:
        await runner.cleanup()
    # A real receiver answering, but the sender expects another AP certificate as signer.
    # It signs its receipts with another POP000902 key than the one the sender encrypted for.
    impostor = pki.new_access_point_certificate(dev_pki.ap_ca, "POP000902", now=datetime.now(UTC))
    real = dev_pki.entries["ap/POP000902"].credentials()
    impostor_gateway: ReceivingGateway = await receiver(keys=(impostor.credentials(), real))  # type: ignore[misc]
    with pytest.raises(InvalidReceiptError) as invalid:
        await _sender(session, dev_pki).send(
            _envelope(invoice, "0190f0e1-0000-7000-8000-000000000001"),
            _endpoint(impostor_gateway.url, dev_pki),
        )
    assert (invalid.value.wire_code, invalid.value.retryable) == ("EBMS:0302", False)
    assert "not by the receiver's SMP certificate" in invalid.value.message


async def test_receiver_found_through_our_smp(
    receiver: Callable[..., object],
    session: aiohttp.ClientSession,
    dev_pki: pki.DevPki,
    invoice: bytes,
    now: datetime,
) -> None:
    """Discovery end to end over HTTP: our signed SMP ServiceMetadata (smp_publish) names
    gateway B's /as4 URL and AP certificate; the sender verifies it and delivers there."""
    gateway: ReceivingGateway = await receiver()  # type: ignore[misc]
    document = sbdh.identify(sbdh.parse_document(invoice))
    published = sign_service_metadata(
        build_service_metadata(
            RECEIVER,
            document.document_type,
            [
                PublishedEndpoint(
                    process=document.process,
                    address=gateway.url,
                    certificate=dev_pki.entries["ap/POP000902"].certificate,
                    activation=now - timedelta(days=1),
                )
            ],
        ),
        DocumentSigner(dev_pki.entries["smp/smp"].credentials()),
    )
    requested: list[str] = []

    async def smp_page(request: web.Request) -> web.Response:
        requested.append(request.path)
        if "/services/" not in request.path:
            return web.Response(status=404)
        return web.Response(body=published, content_type="text/xml")

    app = web.Application()
    app.router.add_get("/{tail:.*}", smp_page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    smp_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]

    async def locate(participant: ParticipantId) -> str:
        assert participant == RECEIVER
        return smp_url

    trust = {
        "smp_trust": SignerTrust(
            anchors=(dev_pki.root.certificate,),
            intermediates=(dev_pki.entries["ca/smp-ca"].certificate,),
        ),
        "ap_trust": SignerTrust(
            anchors=(dev_pki.root.certificate,), intermediates=(dev_pki.ap_ca.certificate,)
        ),
    }
    discovery = Discovery(
        locate=locate, fetch=aiohttp_fetch(session), config=DiscoveryConfig(**trust)
    )
    try:
        endpoint = _endpoint(DISCOVERY_URL, dev_pki, peer_certificate_pem=None)
        receipt = await _sender(session, dev_pki, discovery=discovery).send(
            _envelope(invoice), endpoint
        )
    finally:
        await runner.cleanup()
    assert receipt.status_code == 200
    assert [path for path in requested if "/services/" in path]
    assert await gateway.count(Exchange) == 1
