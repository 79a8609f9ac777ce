"""Our SMP: ServiceGroup and signed ServiceMetadata read back by our own SMP client, and the
receiver check answered from the same publication."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import unquote

from gateway.peppol.identifiers import DocumentTypeId, ParticipantId, ProcessId
from gateway.peppol.smp import parse_service_group, verify_service_metadata
from gateway.peppol.smp_publish import PublishedEndpoint
from gateway.peppol.smp_server import Publication, SmpPublisher
from gateway.signing import pki
from gateway.signing.document import DocumentSigner
from gateway.signing.trust import SignerTrust

RECEIVER = ParticipantId("0088:5790000435975")
INVOICE = DocumentTypeId(
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##"
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
BILLING = ProcessId("urn:fdc:peppol.eu:2017:poacc:billing:01:1.0")


def _publisher(dev_pki: pki.DevPki, now: datetime) -> SmpPublisher:
    endpoint = PublishedEndpoint(
        process=BILLING,
        address="https://ap2.example.test/as4",
        certificate=dev_pki.entries["ap/POP000902"].certificate,
        activation=now - timedelta(days=1),
    )
    return SmpPublisher(
        [Publication(RECEIVER, INVOICE, (endpoint,))],
        DocumentSigner(dev_pki.entries["smp/smp"].credentials()),
    )


def test_service_group_and_metadata_read_back(dev_pki: pki.DevPki, now: datetime) -> None:
    publisher = _publisher(dev_pki, now)
    group = publisher.service_group(RECEIVER, "http://smp.example.test/smp")
    assert group is not None
    (href,) = parse_service_group(group)
    assert unquote(href) == f"http://smp.example.test/smp/{RECEIVER}/services/{INVOICE}"
    body = publisher.service_metadata(ParticipantId("0088:5790000435975"), INVOICE)
    assert body is not None
    trust = SignerTrust(
        anchors=(dev_pki.root.certificate,),
        intermediates=(dev_pki.entries["ca/smp-ca"].certificate,),
    )
    metadata = verify_service_metadata(body, trust)
    assert metadata.participant == RECEIVER  # type: ignore[union-attr]
    assert publisher.service_group(ParticipantId("0088:1111111111111"), "http://x") is None


def test_receiver_check_follows_the_publication(dev_pki: pki.DevPki, now: datetime) -> None:
    publisher = _publisher(dev_pki, now)
    assert publisher.serves(RECEIVER, INVOICE, BILLING)
    assert not publisher.serves(RECEIVER, INVOICE, ProcessId("urn:other"))
    assert not publisher.serves(ParticipantId("0088:1111111111111"), INVOICE, BILLING)
