"""Two gateways exchange an invoice and an order over Peppol AS4 on loopback with TLS, finding
each other through a real DNS server (dnsmasq, Debian package ``dnsmasq-base``) serving the
U-NAPTR records of the SML zone, and through each other's SMP (gateway.peppol.smp_server).

Gateway A (seat POP000901) serves participant 0088:7300010000001 and publishes Orders; gateway
B (seat POP000902) serves 0088:5790000435975 and publishes Invoices. A sends B the Peppol base
invoice, B sends A the Peppol order example. Each side has its own database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from gateway.db.database import Database
from gateway.db.migrations import upgrade_async
from gateway.db.repos import documents as documents_repo
from gateway.db.tables.exchanges import Exchange
from gateway.peppol import sbdh
from gateway.peppol.as4.endpoint import As4Endpoint, as4_handler
from gateway.peppol.as4.inbound import ReceiverSettings
from gateway.peppol.as4.outbound import SenderIdentity
from gateway.peppol.as4.store import StoreSink
from gateway.peppol.as4.transport import DISCOVERY_URL, As4TransportConfig, PeppolAs4Transport
from gateway.peppol.discovery import Discovery, DiscoveryConfig, aiohttp_fetch
from gateway.peppol.errors import DocumentTypeNotSupported, ParticipantUnknown
from gateway.peppol.identifiers import ParticipantId
from gateway.peppol.sml import SmlResolver, dns_naptr_lookup, naptr_name
from gateway.peppol.smp_publish import PublishedEndpoint
from gateway.peppol.smp_server import Publication, SmpPublisher
from gateway.peppol.truststore import CertificateCheck
from gateway.signing import pki
from gateway.signing.document import DocumentSigner
from gateway.signing.trust import SignerTrust
from gateway.transports.base import Envelope
from gateway.transports.endpoint import EndpointConfig
from gateway.transports.http import new_client_session

ZONE = "sml.gateway.test."
PARTICIPANT_A = ParticipantId("0088:7300010000001")
PARTICIPANT_B = ParticipantId("0088:5790000435975")
INVOICE = "peppol-bis-billing-3/examples/base-example.xml"
ORDER = "peppol-poacc-3/examples/Order_Example.xml"
DNSMASQ = shutil.which("dnsmasq") or (
    "/usr/sbin/dnsmasq" if os.path.exists("/usr/sbin/dnsmasq") else None
)

pytestmark = pytest.mark.skipif(
    DNSMASQ is None and not os.environ.get("CI"),
    reason="dnsmasq not installed (Debian package dnsmasq-base)",
)


def _free_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Seat:
    name: str
    participant: ParticipantId
    tls_port: int
    smp_port: int

    @property
    def as4_url(self) -> str:
        return f"https://127.0.0.1:{self.tls_port}/as4"

    @property
    def smp_url(self) -> str:
        return f"http://127.0.0.1:{self.smp_port}/smp"


@pytest.fixture(scope="module")
def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def dev_pki(now: datetime) -> pki.DevPki:
    return pki.build_dev_pki(now=now, partners=(), tls_hosts=("127.0.0.1",))


@pytest.fixture(scope="module")
def seats() -> tuple[Seat, Seat]:
    return (
        Seat("POP000901", PARTICIPANT_A, _free_port(), _free_port()),
        Seat("POP000902", PARTICIPANT_B, _free_port(), _free_port()),
    )


def _record(seat: Seat) -> str:
    name = naptr_name(seat.participant, ZONE).rstrip(".")
    return f"--naptr-record={name},100,10,U,Meta:SMP,!^.*$!{seat.smp_url}!"


@pytest.fixture(scope="module")
def dns_port(seats: tuple[Seat, Seat], tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """dnsmasq as the SML: authoritative for the zone (--local), nothing else, on a free port."""
    assert DNSMASQ is not None, "dnsmasq is required in CI (apt-get install dnsmasq-base)"
    port = _free_port(socket.SOCK_DGRAM)
    log = tmp_path_factory.mktemp("dnsmasq") / "dnsmasq.log"
    command = [
        DNSMASQ,
        "--keep-in-foreground",
        "--conf-file=/dev/null",
        "--no-resolv",
        "--no-hosts",
        f"--port={port}",
        "--listen-address=127.0.0.1",
        "--bind-interfaces",
        "--pid-file=",
        f"--local=/{ZONE.rstrip('.')}/",
        "--log-queries",
        f"--log-facility={log}",
        *(_record(seat) for seat in seats),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_dns(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for_dns(port: int, process: subprocess.Popen[bytes]) -> None:
    lookup = dns_naptr_lookup(["127.0.0.1"], port=port, timeout=0.5)
    probe = naptr_name(PARTICIPANT_A, ZONE)
    for _ in range(40):
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            pytest.fail(f"dnsmasq exited: {error}")
        with contextlib.suppress(Exception):
            asyncio.run(lookup(probe))
            return
    pytest.fail("dnsmasq did not answer")


@dataclass
class Gateway:
    seat: Seat
    database: Database
    transport: PeppolAs4Transport
    runner: web.AppRunner


def _trust(dev_pki: pki.DevPki) -> tuple[SignerTrust, SignerTrust]:
    ap = SignerTrust(
        anchors=(dev_pki.root.certificate,), intermediates=(dev_pki.ap_ca.certificate,)
    )
    smp = SignerTrust(
        anchors=(dev_pki.root.certificate,),
        intermediates=(dev_pki.entries["ca/smp-ca"].certificate,),
    )
    return ap, smp


async def _start(
    seat: Seat,
    publishes: bytes,
    dev_pki: pki.DevPki,
    session: aiohttp.ClientSession,
    dns_port: int,
    tmp_path: Path,
    now: datetime,
) -> Gateway:
    ap_trust, smp_trust = _trust(dev_pki)
    access_point = dev_pki.entries[f"ap/{seat.name}"]
    identifiers = sbdh.identify(sbdh.parse_document(publishes))
    publisher = SmpPublisher(
        [
            Publication(
                seat.participant,
                identifiers.document_type,
                (
                    PublishedEndpoint(
                        process=identifiers.process,
                        address=seat.as4_url,
                        certificate=access_point.certificate,
                        activation=now - timedelta(days=1),
                        expiration=now + timedelta(days=365),
                    ),
                ),
            )
        ],
        DocumentSigner(dev_pki.entries["smp/smp"].credentials()),
    )
    database = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / seat.name}.sqlite")
    await upgrade_async(database.engine)
    receiver = ReceiverSettings(
        keys=(access_point.credentials(),),
        check_signer=CertificateCheck(ap_trust),
        serves=publisher.serves,
    )
    app = web.Application()
    app.router.add_post("/as4", as4_handler(As4Endpoint(receiver, StoreSink(database))))
    publisher.add_routes(app.router, prefix="/smp")
    runner = web.AppRunner(app)
    await runner.setup()
    tls = dev_pki.entries["tls/server"]
    (tmp_path / "tls.crt").write_bytes(tls.chain_pem())
    (tmp_path / "tls.key").write_bytes(tls.key_pem())
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "tls.crt", tmp_path / "tls.key")
    await web.TCPSite(runner, "127.0.0.1", seat.tls_port, ssl_context=context).start()
    await web.TCPSite(runner, "127.0.0.1", seat.smp_port).start()
    sml = SmlResolver(ZONE, dns_naptr_lookup(["127.0.0.1"], port=dns_port, timeout=2.0))
    discovery = Discovery(
        locate=sml.smp_url,
        fetch=aiohttp_fetch(session),
        config=DiscoveryConfig(smp_trust=smp_trust, ap_trust=ap_trust),
    )
    transport = PeppolAs4Transport(
        session,
        As4TransportConfig(
            identity=SenderIdentity(access_point.credentials(), seat.participant, "BE"),
            discovery=discovery,
            check_peer=CertificateCheck(ap_trust),
        ),
    )
    return Gateway(seat, database, transport, runner)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with new_client_session() as client:
        yield client


def _envelope(
    document: bytes, sender: ParticipantId, receiver: ParticipantId, message_id: str
) -> Envelope:
    return Envelope(
        message_id=message_id,
        document_type="peppol",
        sender_id=str(sender),
        receiver_id=str(receiver),
        payload=document,
        content_type="application/xml",
    )


async def _inbound_documents(gateway: Gateway) -> list[bytes]:
    async with gateway.database.read() as db:
        exchanges = (
            await db.scalars(select(Exchange).where(Exchange.direction == "inbound"))
        ).all()
        return [
            (await documents_repo.get_document(db, exchange.document_id)).raw
            for exchange in exchanges
            if exchange.document_id is not None
        ]


async def test_two_gateways_find_each_other_through_dns_and_smp(
    seats: tuple[Seat, Seat],
    dns_port: int,
    dev_pki: pki.DevPki,
    session: aiohttp.ClientSession,
    standards_dir: Path,
    tmp_path: Path,
    now: datetime,
) -> None:
    invoice = (standards_dir / INVOICE).read_bytes()
    order = (standards_dir / ORDER).read_bytes()
    seat_a, seat_b = seats
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = await _start(seat_a, order, dev_pki, session, dns_port, tmp_path / "a", now)
    b = await _start(seat_b, invoice, dev_pki, session, dns_port, tmp_path / "b", now)
    root_pem = dev_pki.root.certificate.public_bytes(serialization.Encoding.PEM).decode()
    discovered = EndpointConfig(url=DISCOVERY_URL, transport="peppol-as4", ca_pem=root_pem)
    try:
        to_b = await a.transport.send(
            _envelope(
                invoice, PARTICIPANT_A, PARTICIPANT_B, "0190f0e1-aaaa-7000-8000-000000000001"
            ),
            discovered,
        )
        to_a = await b.transport.send(
            _envelope(order, PARTICIPANT_B, PARTICIPANT_A, "0190f0e1-bbbb-7000-8000-000000000002"),
            discovered,
        )
        assert (to_b.status_code, to_a.status_code) == (200, 200)
        assert to_b.remote_message_id
        assert to_a.remote_message_id
        (received_by_b,) = await _inbound_documents(b)
        (received_by_a,) = await _inbound_documents(a)
        assert received_by_b == invoice.split(b"?>", 1)[1].strip()
        assert received_by_a == order.split(b"?>", 1)[1].strip()
        # B publishes no Order endpoint and A no Invoice endpoint: the SMP says so.
        with pytest.raises(DocumentTypeNotSupported):
            await a.transport.send(
                _envelope(
                    order, PARTICIPANT_A, PARTICIPANT_B, "0190f0e1-cccc-7000-8000-000000000003"
                ),
                discovered,
            )
        with pytest.raises(ParticipantUnknown):
            await a.transport.send(
                _envelope(
                    invoice,
                    PARTICIPANT_A,
                    ParticipantId("0088:1111111111111"),
                    "0190f0e1-dddd-7000-8000-000000000004",
                ),
                discovered,
            )
    finally:
        for gateway in (a, b):
            await gateway.runner.cleanup()
            await gateway.database.dispose()
