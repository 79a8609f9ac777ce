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

from gateway.peppol.as4.constants import EB_NS, WSSE_NS
from gateway.peppol.as4.errors import (
    DECOMPRESSION_FAILURE,
    FAILED_AUTHENTICATION,
    INVALID_RECEIPT,
    As4Rejected,
)
from gateway.peppol.as4.mime import split_headers, split_multipart
from gateway.peppol.as4.receipt import (
    error_signal_to_exception,
    parse_envelope,
    parse_error_signal,
    verify_receipt,
)
from gateway.peppol.as4.usermessage import (
    check_peppol_header,
    check_signer_is_sender,
    read_user_message,
)
from gateway.peppol.as4.wssec import SignedReference, verify_ws_signature
from gateway.peppol.errors import SmpResponseInvalid
from gateway.peppol.identifiers import DocumentTypeId, ParticipantId, ProcessId
from gateway.peppol.smp import (
    AS4_TRANSPORT_PROFILE,
    Redirect,
    ServiceMetadata,
    service_metadata_from_verified,
    verify_service_metadata,
)
from gateway.signing.document import DS_NS, DocumentVerifier
from gateway.signing.errors import SIG_ALGORITHM, SignatureRejected
from gateway.signing.trust import SignerTrust
from gateway.xml.parser import parse_xml

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
        assert endpoint.transport_profile in {"busdox-transport-as2-ver1p0", AS4_TRANSPORT_PROFILE}
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


# --- AS4: real receipts from four vendors, phase4's real UserMessage, negative cases --------

RECEIPTS = {
    "as4/receipt-phase4-POP000306.http": "POP000306",
    "as4/receipt-governikus.http": "POP000260",
    "as4/receipt-dataport-PDE000357.http": "PDE000357",
    "as4/receipt-btc-PDE000576.xml": "PDE000576",
    "generated/as4-0.2.0-receipt.xml": "POP000002",
}


def _body(path: Path) -> bytes:
    raw = path.read_bytes()
    return split_headers(raw)[1] if path.suffix == ".http" else raw


def _bst_certificate(envelope: etree._Element) -> x509.Certificate:
    token = next(envelope.iter(f"{{{WSSE_NS}}}BinarySecurityToken"))
    return x509.load_der_x509_certificate(base64.b64decode("".join(token.text.split())))


def _ref_to(envelope: etree._Element) -> str:
    return envelope.findtext(f".//{{{EB_NS}}}RefToMessageId").strip()


@pytest.mark.parametrize("name", sorted(RECEIPTS))
def test_vendor_receipts_verify(transport_vectors_dir: Path, name: str) -> None:
    """The "expected signer" is the receiver AP certificate (from the SMP in production; here
    the vendor's certificate named in the README, checked by CN)."""
    body = _body(transport_vectors_dir / name)
    envelope = parse_envelope(body)
    signer = _bst_certificate(envelope)
    assert (
        signer.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == RECEIPTS[name]
    )
    receipt = verify_receipt(body, expected_signer=signer, sent_message_id=_ref_to(envelope))
    assert receipt.signer == signer
    assert len(receipt.acknowledged) == 3
    assert sum(r.uri.startswith("cid:") for r in receipt.acknowledged) == 1


def test_receipt_from_another_certificate_is_rejected(transport_vectors_dir: Path) -> None:
    body = _body(transport_vectors_dir / "as4/receipt-governikus.http")
    other = _bst_certificate(
        parse_envelope(_body(transport_vectors_dir / "as4/receipt-btc-PDE000576.xml"))
    )
    with pytest.raises(As4Rejected) as caught:
        verify_receipt(body, expected_signer=other, sent_message_id=_ref_to(parse_envelope(body)))
    assert caught.value.ebms_code == INVALID_RECEIPT


def test_receipt_for_another_message_is_rejected(transport_vectors_dir: Path) -> None:
    body = _body(transport_vectors_dir / "as4/receipt-governikus.http")
    signer = _bst_certificate(parse_envelope(body))
    with pytest.raises(As4Rejected, match="refers to"):
        verify_receipt(body, expected_signer=signer, sent_message_id="someone-else@example")


def test_receipt_non_repudiation_must_match_what_was_sent(transport_vectors_dir: Path) -> None:
    body = _body(transport_vectors_dir / "as4/receipt-phase4-POP000306.http")
    envelope = parse_envelope(body)
    signer = _bst_certificate(envelope)
    acknowledged = verify_receipt(
        body, expected_signer=signer, sent_message_id=_ref_to(envelope)
    ).acknowledged
    sent = [SignedReference(r.uri, r.digest_method, r.digest_value, envelope) for r in acknowledged]
    verify_receipt(
        body, expected_signer=signer, sent_message_id=_ref_to(envelope), sent_references=sent
    )
    altered = [
        *sent[:-1],
        SignedReference(sent[-1].uri, sent[-1].digest_method, b"\x00" * 32, envelope),
    ]
    with pytest.raises(As4Rejected, match="NonRepudiationInformation"):
        verify_receipt(
            body, expected_signer=signer, sent_message_id=_ref_to(envelope), sent_references=altered
        )


def test_altered_dataport_receipt_is_rejected(transport_vectors_dir: Path) -> None:
    body = _body(transport_vectors_dir / "as4/NEGATIVE-receipt-dataport-altered.http")
    envelope = parse_envelope(body)
    with pytest.raises(As4Rejected, match="digest mismatch") as caught:
        verify_receipt(
            body, expected_signer=_bst_certificate(envelope), sent_message_id=_ref_to(envelope)
        )
    assert caught.value.ebms_code == INVALID_RECEIPT


def test_phase4_user_message_header_signature_verifies(transport_vectors_dir: Path) -> None:
    headers, body = split_headers(
        (transport_vectors_dir / "as4/phase4-peppol-usermessage-signed-encrypted.mime").read_bytes()
    )
    soap, attachment = split_multipart(headers["content-type"], body)
    assert soap.content_type == "application/soap+xml"
    envelope = parse_xml(soap.content)
    header = read_user_message(envelope)
    check_peppol_header(header)
    assert header.properties["finalRecipient"]
    signature = verify_ws_signature(
        envelope,
        check_signer=lambda cert: check_signer_is_sender(header, cert),
        attachments=None,  # encrypted for POP000306, whose key is not public
        attachment_ids=(attachment.content_id,),
    )
    assert (
        signature.signer.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
        == "POP000306"
    )
    assert [r.uri[:1] for r in signature.references] == ["#", "#", "c"]
    assert signature.unchecked_attachments == (f"cid:{attachment.content_id}",)


def test_phase4_user_message_with_altered_header_is_rejected(transport_vectors_dir: Path) -> None:
    headers, body = split_headers(
        (transport_vectors_dir / "as4/phase4-peppol-usermessage-signed-encrypted.mime").read_bytes()
    )
    soap, _ = split_multipart(headers["content-type"], body)
    envelope = parse_xml(soap.content)
    conversation = next(envelope.iter(f"{{{EB_NS}}}ConversationId"))
    conversation.text = "tampered"
    with pytest.raises(As4Rejected, match="digest mismatch") as caught:
        verify_ws_signature(envelope, check_signer=lambda cert: None)
    assert caught.value.ebms_code == FAILED_AUTHENTICATION


def test_unknown_signature_algorithm_is_an_ebms_error(transport_vectors_dir: Path) -> None:
    envelope = parse_xml(
        (transport_vectors_dir / "as4/NEGATIVE-unknown-signature-algorithm.xml").read_bytes()
    )
    with pytest.raises(As4Rejected, match="randomcrypt") as caught:
        verify_ws_signature(envelope, check_signer=lambda cert: None)
    assert caught.value.ebms_code == FAILED_AUTHENTICATION


def test_wrong_compression_is_ebms_0303(transport_vectors_dir: Path) -> None:
    headers, body = split_headers(
        (transport_vectors_dir / "as4/NEGATIVE-wrong-compression.mime").read_bytes()
    )
    soap, payload = split_multipart(headers["content-type"], body)
    header = read_user_message(parse_xml(soap.content))
    with pytest.raises(As4Rejected, match="application/rar") as caught:
        check_peppol_header(header)
    assert caught.value.ebms_code == DECOMPRESSION_FAILURE
    assert payload.content_id == header.parts[0].content_id


def test_error_signal_maps_to_a_permanent_remote_error(transport_vectors_dir: Path) -> None:
    entries = parse_error_signal(
        (transport_vectors_dir / "as4/error-signal-EBMS0001.xml").read_bytes()
    )
    [entry] = entries
    assert (entry.error_code, entry.severity, entry.short_description) == (
        "EBMS:0001",
        "failure",
        "ValueNotRecognized",
    )
    assert entry.ref_to_message_in_error == "ph-as4@42ec020f-9553-4b6d-ba8e-265cf1f6fd34"
    error = error_signal_to_exception(entries)
    assert (error.ebms_code, error.wire_code, error.retryable) == ("EBMS:0001", "EBMS:0001", False)


def _phase4_envelope(transport_vectors_dir: Path) -> etree._Element:
    headers, body = split_headers(
        (transport_vectors_dir / "as4/phase4-peppol-usermessage-signed-encrypted.mime").read_bytes()
    )
    return parse_xml(split_multipart(headers["content-type"], body)[0].content)


def test_signature_wrapping_with_a_duplicate_id_is_rejected(transport_vectors_dir: Path) -> None:
    envelope = _phase4_envelope(transport_vectors_dir)
    messaging = next(envelope.iter(f"{{{EB_NS}}}Messaging"))
    decoy = etree.fromstring(etree.tostring(messaging))
    envelope.find("{http://www.w3.org/2003/05/soap-envelope}Body").append(decoy)
    with pytest.raises(As4Rejected, match="duplicate Id"):
        verify_ws_signature(envelope, check_signer=lambda cert: None)


def test_unsigned_attachment_is_rejected(transport_vectors_dir: Path) -> None:
    envelope = _phase4_envelope(transport_vectors_dir)
    with pytest.raises(As4Rejected, match="not covered"):
        verify_ws_signature(envelope, check_signer=lambda cert: None, attachment_ids=("extra@cid",))


def test_signer_must_be_the_from_party(transport_vectors_dir: Path) -> None:
    envelope = _phase4_envelope(transport_vectors_dir)
    header = read_user_message(envelope)
    impostor = _bst_certificate(
        parse_envelope(_body(transport_vectors_dir / "as4/receipt-governikus.http"))
    )
    with pytest.raises(As4Rejected, match="eb:From/PartyId"):
        check_signer_is_sender(header, impostor)
