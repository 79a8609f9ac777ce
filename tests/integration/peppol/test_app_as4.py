"""Two gateways built by ``create_app``, each configured as a Peppol access point only through
its settings (docs/peppol.md), exchange an invoice over AS4 on loopback HTTPS.

Gateway A (seat POP000901, participant 0088:7300010000001) sends through the admin outbound
API to its partner "Beta", whose endpoint is ``peppol-as4`` with B's static AS4 URL and AP
certificate (no DNS). Gateway B (seat POP000902, participant 0088:5790000435975) receives on
its mounted POST /as4, stores before answering and routes the invoice at once (its recovery
sweep is pushed out of reach, so ``routed`` proves the hand-over to the inbound pipeline).
B also publishes its SMP and checks revocation with a hard-fail policy against a CRL file.
B's database is SQLite, then PostgreSQL (the ``db_url`` fixture); A's is SQLite.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from openapi_spec_validator import validate
from sqlalchemy import select

from gateway.api import keys
from gateway.api.peppol import ACCESS_POINT
from gateway.app import AppOptions, bound_port, create_app, start
from gateway.db.database import Database
from gateway.db.repos import documents as documents_repo
from gateway.db.tables.exchanges import Acknowledgement, Exchange
from gateway.errors import ConfigurationError
from gateway.exchange.worker import WorkerConfig
from gateway.peppol.identifiers import DocumentTypeId, ParticipantId
from gateway.peppol.smp import ServiceMetadata, verify_service_metadata
from gateway.peppol.truststore import trust_from_certificates
from gateway.server_tls import server_ssl_context
from gateway.settings import Settings
from gateway.signing import pki
from gateway.signing.credentials import load_certificates
from gateway.validation.artefacts import Artefacts
from gateway.validation.pipeline import Validator
from tests.integration.conftest import DbTarget

PARTICIPANT_A = "0088:7300010000001"
PARTICIPANT_B = "0088:5790000435975"
BASE_EXAMPLE = "peppol-bis-billing-3/examples/base-example.xml"
INVOICE_TYPE = DocumentTypeId.parse(
    "busdox-docid-qns::urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice"
    "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def validator(standards_dir: Path) -> Validator:
    return Validator(Artefacts(standards_dir))


@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The development PKI on disk, as `gateway certs dev` writes it, plus an empty CRL."""
    now = datetime.now(UTC)
    dev = pki.build_dev_pki(now=now, partners=(), tls_hosts=("127.0.0.1",))
    directory = tmp_path_factory.mktemp("pki")
    pki.write_pki(dev, directory)
    crl = pki.new_crl(dev.ap_ca, now=now)
    (directory / "ap-ca.crl").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    return directory


def _settings(directory: Path, pki_dir: Path, seat: str, participant: str,
              **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": directory,
        "admin_token": f"admin-{seat}",
        "database_url": f"sqlite+aiosqlite:///{directory / 'gateway.sqlite'}",
        "tls_cert_file": pki_dir / "tls/server.crt",
        "tls_key_file": pki_dir / "tls/server.key",
        "peppol_ap_key_file": pki_dir / f"ap/{seat}.key",
        "peppol_ap_cert_file": pki_dir / f"ap/{seat}.crt",
        "peppol_seat_id": seat,
        "peppol_participants": participant,
        "peppol_country_c1": "BE",
        "peppol_ap_ca_files": os.pathsep.join(
            str(pki_dir / f"trust/{name}.pem") for name in ("root", "ap-ca")
        ),
        "peppol_revocation": "soft",
    }
    return Settings(**(values | changes)).validated()


@dataclass
class Running:
    app: web.Application
    runner: web.AppRunner
    url: str
    admin: str

    @property
    def database(self) -> Database:
        return self.app[keys.DATABASE]


@pytest.fixture
async def launch() -> AsyncIterator[Callable[..., Any]]:
    runners: list[web.AppRunner] = []

    async def run(settings: Settings, options: AppOptions, port: int = 0) -> Running:
        app = create_app(settings, options)
        runner = await start(app, host="127.0.0.1", port=port,
                             ssl_context=server_ssl_context(settings))
        runners.append(runner)
        url = f"https://127.0.0.1:{bound_port(runner)}"
        return Running(app, runner, url, settings.admin_token or "")

    yield run
    for runner in reversed(runners):
        await runner.cleanup()


async def _call(http: aiohttp.ClientSession, gateway: Running, method: str, path: str,
                **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {gateway.admin}", **kwargs.pop("headers", {})}
    async with http.request(method, gateway.url + path, headers=headers, **kwargs) as response:
        assert response.status < 300, await response.text()
        return await response.json()


async def _poll(check: Callable[[], Any], what: str) -> Any:
    for _ in range(300):
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
async def http(pki_dir: Path) -> AsyncIterator[aiohttp.ClientSession]:
    context = ssl.create_default_context(cafile=str(pki_dir / "trust/root.pem"))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session:
        yield session


async def _start_pair(
    launch: Callable[..., Any], tmp_path: Path, pki_dir: Path, validator: Validator,
    receiver_database: Database | None,
) -> tuple[Running, Running]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    port_b = _free_port()
    settings_b = _settings(
        tmp_path / "b", pki_dir, "POP000902", PARTICIPANT_B,
        peppol_revocation="hard", peppol_crl_sources=(pki_dir / "ap-ca.crl").as_uri(),
        peppol_smp_publish=True, peppol_smp_key_file=pki_dir / "smp/smp.key",
        peppol_smp_cert_file=pki_dir / "smp/smp.crt",
        peppol_as4_url=f"https://127.0.0.1:{port_b}/as4",
    )
    b = await launch(settings_b, AppOptions(validator=validator, workers=0,
                                            database=receiver_database,
                                            recovery_interval=3600.0), port_b)
    revocation = b.app[ACCESS_POINT].revocation
    assert revocation is not None
    await _poll(lambda: _crl_loaded(revocation), "B's CRL refresh")
    a = await launch(_settings(tmp_path / "a", pki_dir, "POP000901", PARTICIPANT_A),
                     AppOptions(validator=validator, workers=1,
                                worker=WorkerConfig(poll_interval=0.05)))
    return a, b


async def _crl_loaded(revocation: Any) -> bool:
    return any(status.error is None for status in revocation.status())


async def _inbound_exchange(database: Database) -> Exchange | None:
    async with database.read() as session:
        return (await session.scalars(
            select(Exchange).where(Exchange.direction == "inbound"))).first()


async def test_outbound_invoice_is_delivered_over_as4_and_routed_by_the_receiver(
    launch: Callable[..., Any], http: aiohttp.ClientSession, tmp_path: Path, pki_dir: Path,
    validator: Validator, standards_dir: Path, db_target: DbTarget,
    make_database: Callable[[], Database],
) -> None:
    receiver_database = None if db_target.dialect == "sqlite" else make_database()
    a, b = await _start_pair(launch, tmp_path, pki_dir, validator, receiver_database)
    alpha = await _call(http, b, "POST", "/admin/v1/partners",
                        json={"name": "Alpha (gateway A)", "key_prefix": "alpha"})
    await _call(http, b, "POST", f"/admin/v1/partners/{alpha['id']}/identifiers",
                json={"identifier": PARTICIPANT_A})
    beta = await _call(http, a, "POST", "/admin/v1/partners",
                       json={"name": "Beta (gateway B)", "key_prefix": "beta"})
    await _call(http, a, "POST", f"/admin/v1/partners/{beta['id']}/identifiers",
                json={"identifier": PARTICIPANT_B})
    await _call(http, a, "POST", f"/admin/v1/partners/{beta['id']}/endpoints", json={
        "transport": "peppol-as4", "url": f"{b.url}/as4",
        "settings": {"ca_pem": str(pki_dir / "trust/root.pem"),
                     "peer_certificate_pem": str(pki_dir / "ap/POP000902.crt")},
    })
    invoice = (standards_dir / BASE_EXAMPLE).read_bytes()
    sent = await _call(http, a, "POST", "/admin/v1/outbound", params={"receiver": beta["id"]},
                       data=invoice, headers={"Content-Type": "application/xml"})

    async def finished() -> dict[str, Any] | None:
        exchange = await _call(http, a, "GET", f"/admin/v1/exchanges/{sent['exchange_id']}")
        return exchange if exchange["state"] in ("delivered", "dead_letter") else None

    exchange = await _poll(finished, "A's delivery")
    assert exchange["state"] == "delivered", exchange["last_error"]
    [ack] = exchange["acknowledgements"]
    assert ack["kind"] == "receipt"
    assert ack["detail"]["transport"] == "peppol-as4"
    assert ack["detail"]["status_code"] == 200
    async with a.database.read() as session:
        receipt = await documents_repo.get_document(session, ack["document_id"])
    assert b"NonRepudiationInformation" in receipt.raw
    assert ack["detail"]["remote_message_id"]

    async def routed() -> Exchange | None:
        found = await _inbound_exchange(b.database)
        return found if found is not None and found.state == "routed" else None

    inbound = await _poll(routed, "B to route the invoice")
    assert inbound.partner_id == alpha["id"]
    assert inbound.message_id.startswith(sent["message_id"])
    inbox = await _call(http, b, "GET", "/admin/v1/inbox")
    [item] = inbox["items"]
    assert item["partner_id"] == alpha["id"]
    async with b.database.read() as session:
        [our_receipt] = (await session.scalars(select(Acknowledgement).where(
            Acknowledgement.exchange_id == inbound.id))).all()
        stored = await documents_repo.get_document(session, inbound.document_id)
    assert our_receipt.kind == "receipt"
    assert our_receipt.detail["original_sender"] == f"iso6523-actorid-upis::{PARTICIPANT_A}"
    assert stored.raw in invoice


async def test_smp_and_openapi_of_an_access_point(
    launch: Callable[..., Any], http: aiohttp.ClientSession, tmp_path: Path, pki_dir: Path,
    validator: Validator,
) -> None:
    port = _free_port()
    settings = _settings(tmp_path, pki_dir, "POP000902", PARTICIPANT_B,
                         peppol_smp_publish=True, peppol_smp_key_file=pki_dir / "smp/smp.key",
                         peppol_smp_cert_file=pki_dir / "smp/smp.crt",
                         peppol_as4_url=f"https://127.0.0.1:{port}/as4")
    b = await launch(settings, AppOptions(validator=validator, workers=0), port)
    participant = ParticipantId.parse(PARTICIPANT_B)
    url = f"{b.url}/smp/{participant.url_segment()}/services/{INVOICE_TYPE.url_segment()}"
    async with http.get(url) as response:
        assert response.status == 200
        body = await response.read()
    smp_trust = trust_from_certificates(
        [*load_certificates((pki_dir / "trust/root.pem").read_bytes()),
         *load_certificates((pki_dir / "trust/smp-ca.pem").read_bytes())], "SMP CA")
    metadata = verify_service_metadata(body, smp_trust)
    assert isinstance(metadata, ServiceMetadata)
    assert metadata.participant == participant
    [endpoint] = [e for p in metadata.processes for e in p.endpoints]
    assert endpoint.address == f"https://127.0.0.1:{port}/as4"
    async with http.get(f"{b.url}/smp/{ParticipantId('0088:1111111111111').url_segment()}") as gone:
        assert gone.status == 404
    async with http.get(f"{b.url}/openapi.json") as response:
        document = await response.json()
    validate(document)
    assert set(document["paths"]["/as4"]) == {"post"}
    assert "/smp/{participant}/services/{document}" in document["paths"]
    routed = {resource.canonical for resource in b.app.router.resources()}
    assert {"/as4", "/smp/{participant}", "/smp/{participant}/services/{document}"} <= routed


async def test_bad_peppol_settings_name_the_key_and_a_plain_gateway_mounts_nothing(
    tmp_path: Path, pki_dir: Path,
) -> None:
    with pytest.raises(ConfigurationError, match="peppol_seat_id"):
        create_app(_settings(tmp_path, pki_dir, "POP000901", PARTICIPANT_A,
                             peppol_seat_id="POP000999"))
    with pytest.raises(ConfigurationError, match="peppol_participants"):
        create_app(_settings(tmp_path, pki_dir, "POP000901", "not-a-participant"))
    with pytest.raises(ConfigurationError, match="peppol_ap_ca_files"):
        create_app(_settings(tmp_path, pki_dir, "POP000901", PARTICIPANT_A,
                             peppol_ap_ca_files=str(pki_dir / "trust/smp-ca.pem")))
    with pytest.raises(ConfigurationError, match="peppol_as4_url"):
        create_app(_settings(tmp_path, pki_dir, "POP000901", PARTICIPANT_A,
                             peppol_smp_publish=True,
                             peppol_smp_key_file=pki_dir / "smp/smp.key",
                             peppol_smp_cert_file=pki_dir / "smp/smp.crt"))
    plain = create_app(Settings(data_dir=tmp_path))
    assert ACCESS_POINT not in plain
    assert "/as4" not in {resource.canonical for resource in plain.router.resources()}
