"""SMP publishing, verification and the discovery client (SML → SMP → endpoint), with caching."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import unquote

import pytest

from gateway.peppol.discovery import Discovery, DiscoveryConfig
from gateway.peppol.errors import (
    CertificateMismatch,
    DiscoveryUnavailable,
    DocumentTypeNotSupported,
    ParticipantUnknown,
    SmpResponseInvalid,
)
from gateway.peppol.identifiers import DocumentTypeId, ParticipantId, ProcessId
from gateway.peppol.smp import (
    HttpResponse,
    parse_service_group,
    verify_service_metadata,
)
from gateway.peppol.smp_publish import (
    PublishedEndpoint,
    build_service_metadata,
    sign_service_metadata,
)
from gateway.signing import pki
from gateway.signing.document import DocumentSigner
from gateway.signing.trust import SignerTrust

SMP = "https://smp.example.test"
RECEIVER = ParticipantId("0088:5790000435975")
INVOICE = DocumentTypeId(
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##"
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
BILLING = ProcessId("urn:fdc:peppol.eu:2017:poacc:billing:01:1.0")


@dataclass
class FakeSmp:
    """An SMP over an in-memory path → (status, body) table, counting requests."""

    pages: dict[str, HttpResponse] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    async def fetch(self, url: str) -> HttpResponse:
        self.requests.append(unquote(url))
        return self.pages.get(unquote(url), HttpResponse(404, b""))


def _metadata_url(participant: ParticipantId = RECEIVER, doc: DocumentTypeId = INVOICE) -> str:
    return f"{SMP}/{participant}/services/{doc}"


@pytest.fixture
def smp_signer(dev_pki: pki.DevPki) -> DocumentSigner:
    return DocumentSigner(dev_pki.entries["smp/smp"].credentials())


@pytest.fixture
def config(dev_pki: pki.DevPki) -> DiscoveryConfig:
    return DiscoveryConfig(
        smp_trust=SignerTrust(
            anchors=(dev_pki.root.certificate,),
            intermediates=(dev_pki.entries["ca/smp-ca"].certificate,),
        ),
        ap_trust=SignerTrust(
            anchors=(dev_pki.root.certificate,), intermediates=(dev_pki.ap_ca.certificate,)
        ),
    )


def _published(
    dev_pki: pki.DevPki,
    signer: DocumentSigner,
    now: datetime,
    *,
    seat: str = "POP000902",
    participant: ParticipantId = RECEIVER,
    expiration: timedelta = timedelta(days=30),
    pki_source: pki.DevPki | None = None,
) -> bytes:
    source = pki_source or dev_pki
    endpoint = PublishedEndpoint(
        process=BILLING,
        address="https://ap2.example.test/as4",
        certificate=source.entries[f"ap/{seat}"].certificate,
        activation=now - timedelta(days=1),
        expiration=now + expiration,
    )
    return sign_service_metadata(build_service_metadata(participant, INVOICE, [endpoint]), signer)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def _discovery(smp: FakeSmp, config: DiscoveryConfig, clock: Callable[[], datetime]) -> Discovery:
    async def locate(participant: ParticipantId) -> str:
        return SMP

    return Discovery(locate=locate, fetch=smp.fetch, config=config, clock=clock)


def test_published_metadata_verifies_and_reads_back(
    dev_pki: pki.DevPki, smp_signer: DocumentSigner, config: DiscoveryConfig, now: datetime
) -> None:
    metadata = verify_service_metadata(_published(dev_pki, smp_signer, now), config.smp_trust)
    assert not hasattr(metadata, "href")
    assert metadata.participant == RECEIVER
    assert metadata.document_type == INVOICE
    [entry] = metadata.processes
    [endpoint] = entry.endpoints
    assert endpoint.certificate == dev_pki.entries["ap/POP000902"].certificate
    assert endpoint.transport_profile == "peppol-transport-as4-v2_0"


def test_tampered_smp_response_is_invalid(
    dev_pki: pki.DevPki, smp_signer: DocumentSigner, config: DiscoveryConfig, now: datetime
) -> None:
    body = _published(dev_pki, smp_signer, now).replace(b"ap2.example.test", b"evil.example")
    with pytest.raises(SmpResponseInvalid, match="altered after signing"):
        verify_service_metadata(body, config.smp_trust)


def test_smp_response_signed_by_an_untrusted_ca_is_a_certificate_mismatch(
    dev_pki: pki.DevPki, other_pki: pki.DevPki, config: DiscoveryConfig, now: datetime
) -> None:
    rogue = DocumentSigner(other_pki.entries["smp/smp"].credentials())
    with pytest.raises(CertificateMismatch):
        verify_service_metadata(_published(dev_pki, rogue, now), config.smp_trust)


def test_service_group_references() -> None:
    body = (
        b'<ServiceGroup xmlns="http://busdox.org/serviceMetadata/publishing/1.0/">'
        b"<ServiceMetadataReferenceCollection>"
        b'<ServiceMetadataReference href="https://smp/x/services/a"/>'
        b'<ServiceMetadataReference href="https://smp/x/services/b"/>'
        b"</ServiceMetadataReferenceCollection></ServiceGroup>"
    )
    assert parse_service_group(body) == ("https://smp/x/services/a", "https://smp/x/services/b")


async def test_discovery_finds_and_caches_the_endpoint(
    dev_pki: pki.DevPki, smp_signer: DocumentSigner, config: DiscoveryConfig, now: datetime
) -> None:
    smp = FakeSmp({_metadata_url(): HttpResponse(200, _published(dev_pki, smp_signer, now))})
    clock = Clock(now)
    discovery = _discovery(smp, config, clock)
    endpoint = await discovery.find_endpoint(RECEIVER, INVOICE, BILLING)
    assert endpoint.address == "https://ap2.example.test/as4"
    assert await discovery.find_endpoint(RECEIVER, INVOICE, BILLING) == endpoint
    assert len(smp.requests) == 1  # the second lookup was a cache hit
    clock.now = now + config.ttl + timedelta(seconds=1)
    await discovery.find_endpoint(RECEIVER, INVOICE, BILLING)
    assert len(smp.requests) == 2  # expired: asked again


async def test_unknown_participant_and_unsupported_document_are_told_apart(
    config: DiscoveryConfig, now: datetime
) -> None:
    smp = FakeSmp()
    discovery = _discovery(smp, config, Clock(now))
    with pytest.raises(ParticipantUnknown):
        await discovery.find_endpoint(RECEIVER, INVOICE, BILLING)
    smp.pages[f"{SMP}/{RECEIVER}"] = HttpResponse(200, b"<ServiceGroup/>")
    discovery.cache.clear()
    with pytest.raises(DocumentTypeNotSupported):
        await discovery.find_endpoint(RECEIVER, INVOICE, BILLING)


async def test_negative_answers_are_cached_briefly(config: DiscoveryConfig, now: datetime) -> None:
    smp = FakeSmp()
    clock = Clock(now)
    discovery = _discovery(smp, config, clock)
    for _ in range(2):
        with pytest.raises(ParticipantUnknown):
            await discovery.find_endpoint(RECEIVER, INVOICE, BILLING)
    assert len(smp.requests) == 2  # metadata + service group, once
    clock.now = now + config.negative_ttl
    with pytest.raises(ParticipantUnknown):
        await discovery.find_endpoint(RECEIVER, INVOICE, BILLING)
    assert len(smp.requests) == 4


async def test_smp_outage_is_retryable_and_not_cached(
    config: DiscoveryConfig, now: datetime
) -> None:
    smp = FakeSmp({_metadata_url(): HttpResponse(503, b"")})
    discovery = _discovery(smp, config, Clock(now))
    for _ in range(2):
        with pytest.raises(DiscoveryUnavailable) as caught:
            await discovery.find_endpoint(RECEIVER, INVOICE, BILLING)
        assert caught.value.retryable
    assert len(smp.requests) == 2


async def test_response_for_another_participant_is_refused(
    dev_pki: pki.DevPki, smp_signer: DocumentSigner, config: DiscoveryConfig, now: datetime
) -> None:
    other = ParticipantId("0088:0000000000000")
    body = _published(dev_pki, smp_signer, now, participant=other)
    smp = FakeSmp({_metadata_url(): HttpResponse(200, body)})
    with pytest.raises(SmpResponseInvalid, match="answered for"):
        await _discovery(smp, config, Clock(now)).find_endpoint(RECEIVER, INVOICE, BILLING)


async def test_expired_endpoint_means_not_supported(
    dev_pki: pki.DevPki, smp_signer: DocumentSigner, config: DiscoveryConfig, now: datetime
) -> None:
    body = _published(dev_pki, smp_signer, now, expiration=timedelta(days=-0.5))
    smp = FakeSmp({_metadata_url(): HttpResponse(200, body)})
    with pytest.raises(DocumentTypeNotSupported, match="inactive or expired"):
        await _discovery(smp, config, Clock(now)).find_endpoint(RECEIVER, INVOICE, BILLING)


async def test_other_process_is_not_supported(
    dev_pki: pki.DevPki, smp_signer: DocumentSigner, config: DiscoveryConfig, now: datetime
) -> None:
    smp = FakeSmp({_metadata_url(): HttpResponse(200, _published(dev_pki, smp_signer, now))})
    ordering = ProcessId("urn:fdc:peppol.eu:2017:poacc:ordering:28:1.0")
    with pytest.raises(DocumentTypeNotSupported, match="not published"):
        await _discovery(smp, config, Clock(now)).find_endpoint(RECEIVER, INVOICE, ordering)


async def test_endpoint_certificate_outside_the_ap_trust_is_a_mismatch(
    dev_pki: pki.DevPki,
    other_pki: pki.DevPki,
    smp_signer: DocumentSigner,
    config: DiscoveryConfig,
    now: datetime,
) -> None:
    body = _published(dev_pki, smp_signer, now, seat="POP000666", pki_source=other_pki)
    smp = FakeSmp({_metadata_url(): HttpResponse(200, body)})
    with pytest.raises(CertificateMismatch, match="endpoint certificate"):
        await _discovery(smp, config, Clock(now)).find_endpoint(RECEIVER, INVOICE, BILLING)


async def test_redirect_is_followed_once_and_its_signer_checked(
    dev_pki: pki.DevPki, smp_signer: DocumentSigner, config: DiscoveryConfig, now: datetime
) -> None:
    target = "https://smp2.example.test/meta"
    redirect = sign_service_metadata(
        (
            '<SignedServiceMetadata xmlns="http://busdox.org/serviceMetadata/publishing/1.0/">'
            f'<ServiceMetadata><Redirect href="{target}"><CertificateUID>SMP000901'
            "</CertificateUID></Redirect></ServiceMetadata></SignedServiceMetadata>"
        ).encode(),
        smp_signer,
    )
    smp = FakeSmp(
        {
            _metadata_url(): HttpResponse(200, redirect),
            target: HttpResponse(200, _published(dev_pki, smp_signer, now)),
        }
    )
    endpoint = await _discovery(smp, config, Clock(now)).find_endpoint(RECEIVER, INVOICE, BILLING)
    assert endpoint.address == "https://ap2.example.test/as4"
    wrong_uid = sign_service_metadata(
        (
            '<SignedServiceMetadata xmlns="http://busdox.org/serviceMetadata/publishing/1.0/">'
            f'<ServiceMetadata><Redirect href="{target}"><CertificateUID>SMP999999'
            "</CertificateUID></Redirect></ServiceMetadata></SignedServiceMetadata>"
        ).encode(),
        smp_signer,
    )
    smp.pages[_metadata_url()] = HttpResponse(200, wrong_uid)
    with pytest.raises(CertificateMismatch, match="CertificateUID"):
        await _discovery(smp, config, Clock(now)).find_endpoint(RECEIVER, INVOICE, BILLING)
