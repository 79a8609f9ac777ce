"""Interoperability proofs against real third-party transport vectors (../shared/transport-vectors).

SMP: the two signed SignedServiceMetadata from production SMPs (NetEDI PNO000070, eConnect
PNL000052, rsa-sha1 + exc-c14n) verify with the SMP verifier only; the NEGATIVE one does not;
the Oxalis response parses (shape) but its signature does not verify after reformatting.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from lxml import etree

from gateway.peppol.errors import SmpResponseInvalid
from gateway.peppol.identifiers import DocumentTypeId, ParticipantId, ProcessId
from gateway.peppol.smp import (
    Redirect,
    ServiceMetadata,
    service_metadata_from_verified,
    verify_service_metadata,
)
from gateway.signing.document import DS_NS, DocumentVerifier
from gateway.signing.errors import SIG_ALGORITHM, SignatureRejected
from gateway.signing.trust import SignerTrust

SIGNED_SMP = {
    "signed-service-metadata-netedi.xml": ("PNO000070", "0088:5060482240009"),
    "signed-service-metadata-econnect-c14n-inclusive.xml": ("PNL000052", "0106:55872255"),
}
G2_SMP_CA = "PEPPOL SERVICE METADATA PUBLISHER CA - G2"


def _embedded_signer(body: bytes) -> x509.Certificate:
    element = next(etree.fromstring(body).iter(f"{{{DS_NS}}}X509Certificate"))
    return x509.load_der_x509_certificate(base64.b64decode("".join(element.text.split())))


def _pinned_trust(body: bytes, cn: str) -> SignerTrust:
    """Pin the production SMP certificate named by the vector's README, checked by CN/issuer,
    verified "as of" a moment inside its validity (it expired in 2021)."""
    signer = _embedded_signer(body)
    assert signer.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == cn
    assert G2_SMP_CA in signer.issuer.rfc4514_string()
    moment = signer.not_valid_before_utc + timedelta(days=30)
    return SignerTrust(pinned=(signer,), verification_time=moment)


@pytest.mark.parametrize("name", sorted(SIGNED_SMP))
def test_signed_smp_responses_verify(transport_vectors_dir: Path, name: str) -> None:
    cn, participant = SIGNED_SMP[name]
    body = (transport_vectors_dir / "smp" / name).read_bytes()
    metadata = verify_service_metadata(body, _pinned_trust(body, cn))
    assert isinstance(metadata, ServiceMetadata)
    assert metadata.participant == ParticipantId(participant)
    [entry] = metadata.processes
    assert entry.endpoints
    for endpoint in entry.endpoints:
        assert endpoint.transport_profile.startswith("busdox-transport-")
        assert endpoint.address.startswith("https://")
        assert "PEPPOL ACCESS POINT CA - G2" in endpoint.certificate.issuer.rfc4514_string()


@pytest.mark.parametrize("name", sorted(SIGNED_SMP))
def test_sha1_is_accepted_for_smp_only(transport_vectors_dir: Path, name: str) -> None:
    body = (transport_vectors_dir / "smp" / name).read_bytes()
    document_verifier = DocumentVerifier(_pinned_trust(body, SIGNED_SMP[name][0]))
    with pytest.raises(SignatureRejected) as caught:
        document_verifier.verify(body)
    assert caught.value.rule_id == SIG_ALGORITHM


def test_negative_smp_response_is_rejected(transport_vectors_dir: Path) -> None:
    body = (
        transport_vectors_dir / "smp/NEGATIVE-signed-service-metadata-netedi-invalid.xml"
    ).read_bytes()
    with pytest.raises(SmpResponseInvalid) as caught:
        verify_service_metadata(body, _pinned_trust(body, "PNO000070"))
    assert caught.value.wire_code == "smp:GW-SIG-INVALID"
    assert not caught.value.retryable


def test_signed_smp_response_with_a_changed_endpoint_is_rejected(
    transport_vectors_dir: Path,
) -> None:
    body = (transport_vectors_dir / "smp/signed-service-metadata-netedi.xml").read_bytes()
    trust = _pinned_trust(body, "PNO000070")
    forged = body.replace(b"https://peppol.netedi.com/receive.aspx", b"https://evil.example/as2")
    with pytest.raises(SmpResponseInvalid):
        verify_service_metadata(forged, trust)


def test_oxalis_smp_response_shape(transport_vectors_dir: Path) -> None:
    """Prefixes ns3/ns2 and a multi-line base64 certificate parse; the reformatted test file's
    signature does not verify, and is refused as such."""
    body = (transport_vectors_dir / "smp/oxalis-smp-response-with-as2.xml").read_bytes()
    signer = _embedded_signer(body)
    moment = signer.not_valid_before_utc + timedelta(days=30)
    with pytest.raises(SmpResponseInvalid):
        verify_service_metadata(body, SignerTrust(pinned=(signer,), verification_time=moment))
    root = etree.fromstring(body)
    root.remove(next(root.iter(f"{{{DS_NS}}}Signature")))
    metadata = service_metadata_from_verified(root, signer)
    assert not isinstance(metadata, Redirect)
    assert metadata.participant == ParticipantId("9908:991825827")
    assert metadata.document_type.value.startswith(
        "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##"
    )
    [entry] = metadata.processes
    assert entry.process == ProcessId("urn:www.cenbii.eu:profile:bii04:ver1.0")
    [endpoint] = entry.endpoints
    assert endpoint.address == "https://ap.ergogroup.no/oxalis/as2"
    assert endpoint.expiration == datetime(2014, 2, 28, tzinfo=UTC)
    assert (
        endpoint.certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
        == "APP_1000000025"
    )
    assert isinstance(metadata.document_type, DocumentTypeId)
