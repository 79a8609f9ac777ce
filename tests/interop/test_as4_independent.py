"""Interoperability proofs for the AS4 sending and receiving core (issue 4).

* Our UserMessage is checked by implementations we did not write: libxmlsec1 (python-xmlsec)
  unwraps the RSA-OAEP (MGF1-SHA256) session key, `cryptography` decrypts the AES-128-GCM
  attachment, signxml verifies all three signature references (``cid:`` resolved to the
  decrypted, still compressed bytes) and libxmlsec1 verifies the SignatureValue.
* Our signed receipt verifies in libxmlsec1 end to end (XML references only, which it can do).
* Our receiver accepts a message built by another implementation, the PyPI ``as4`` 0.2.0
  vector, and refuses phase4's real message at decryption (we lack POP000306's key).
"""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime
from pathlib import Path

import pytest
import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier
from signxml.exceptions import InvalidSignature

from gateway.peppol.as4.constants import DS_NS, WSSE_NS, WSU_NS, XENC_NS
from gateway.peppol.as4.errors import FAILED_DECRYPTION, As4Rejected
from gateway.peppol.as4.inbound import ReceiverSettings, receive_user_message
from gateway.peppol.as4.mime import split_headers, split_multipart
from gateway.peppol.as4.signals import build_receipt
from gateway.peppol.identifiers import ParticipantId
from gateway.signing import pki
from gateway.signing.credentials import SigningCredentials
from gateway.signing.trust import SignerTrust
from tests.unit.peppol.as4_support import INVOICE, Served, build, settings

NS = {"ds": DS_NS, "xenc": XENC_NS, "wsse": WSSE_NS}


@pytest.fixture(scope="module")
def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def dev_pki(now: datetime) -> pki.DevPki:
    return pki.build_dev_pki(now=now, partners=())


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _unwrap_with_xmlsec(encrypted_key: etree._Element, key_pem: bytes) -> bytes:
    """libxmlsec1 decrypts the EncryptedKey (its STR KeyInfo removed: xmlsec cannot resolve a
    WS-Security token reference, peppol-as4.md §3.3)."""
    standalone = copy.deepcopy(encrypted_key)
    key_info = standalone.find("ds:KeyInfo", NS)
    standalone.remove(key_info)
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_memory(key_pem, xmlsec.constants.KeyDataFormatPem))
    decrypted: bytes = xmlsec.EncryptionContext(manager).decrypt(standalone)
    return decrypted


def _independently_decrypted(
    soap: etree._Element, attachment: bytes, receiver_key_pem: bytes
) -> bytes:
    session_key = _unwrap_with_xmlsec(soap.find(".//xenc:EncryptedKey", NS), receiver_key_pem)
    assert len(session_key) == 16  # AES-128
    iv, ciphertext = attachment[:12], attachment[12:]
    return AESGCM(session_key).decrypt(iv, ciphertext, None)


def test_our_message_decrypts_and_verifies_with_xmlsec_signxml_and_cryptography(
    dev_pki: pki.DevPki, now: datetime
) -> None:
    message = build(dev_pki, now=now)
    soap_part, attachment_part = split_multipart(message.content_type, message.body)
    soap = etree.fromstring(soap_part.content)
    receiver = dev_pki.entries["ap/POP000902"]
    compressed = _independently_decrypted(soap, attachment_part.content, receiver.key_pem())
    assert compressed[:2] == b"\x1f\x8b"

    def resolve(uri: str) -> bytes:
        assert uri == f"cid:{attachment_part.content_id}"
        return compressed

    sender = dev_pki.entries["ap/POP000901"].certificate
    results = XMLVerifier().verify(
        soap_part.content,
        x509_cert=sender,
        uri_resolver=resolve,
        validate_schema=False,
        expect_config=SignatureConfiguration(expect_references=3),
    )
    assert len(results) == 3  # type: ignore[arg-type]
    assert b"<eb:UserMessage>" in results[0].signed_data  # type: ignore[index]

    with pytest.raises(InvalidSignature):
        XMLVerifier().verify(
            soap_part.content,
            x509_cert=sender,
            uri_resolver=lambda uri: compressed[:-1] + bytes([compressed[-1] ^ 1]),
            validate_schema=False,
            expect_config=SignatureConfiguration(expect_references=3),
        )

    # libxmlsec1 checks the SignatureValue over the exc-c14n SignedInfo (PrefixList S12).
    signed_info = soap.find(".//ds:Signature/ds:SignedInfo", NS)
    c14n = etree.tostring(signed_info, method="c14n", exclusive=True, inclusive_ns_prefixes=["S12"])
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(_pem(sender), xmlsec.constants.KeyDataFormatCertPem)
    value = base64.b64decode(soap.findtext(".//ds:Signature/ds:SignatureValue", namespaces=NS))
    context.verify_binary(c14n, xmlsec.constants.TransformRsaSha256, value)
    with pytest.raises(xmlsec.Error):
        context.verify_binary(
            c14n.replace(b"#body", b"#bodz"), xmlsec.constants.TransformRsaSha256, value
        )


def test_our_receipt_verifies_in_libxmlsec1(dev_pki: pki.DevPki, now: datetime) -> None:
    message = build(dev_pki, now=now)
    received = receive_user_message(message.content_type, message.body, settings(dev_pki, now=now))
    receiver = dev_pki.entries["ap/POP000902"]
    receipt = build_receipt(
        ref_to_message_id=received.message_id,
        references=received.signature.references,
        credentials=receiver.credentials(),
        timestamp=now,
    )
    root = etree.fromstring(receipt.body)
    context = xmlsec.SignatureContext()
    for element in root.iter():
        if isinstance(element.tag, str) and element.get(f"{{{WSU_NS}}}Id"):
            context.register_id(element, "Id", WSU_NS)
    context.key = xmlsec.Key.from_memory(
        _pem(receiver.certificate), xmlsec.constants.KeyDataFormatCertPem
    )
    context.verify(root.find(".//ds:Signature", NS))
    tampered = etree.fromstring(receipt.body.replace(b"<eb:Timestamp>", b"<eb:Timestamp>1"))
    context = xmlsec.SignatureContext()
    for element in tampered.iter():
        if isinstance(element.tag, str) and element.get(f"{{{WSU_NS}}}Id"):
            context.register_id(element, "Id", WSU_NS)
    context.key = xmlsec.Key.from_memory(
        _pem(receiver.certificate), xmlsec.constants.KeyDataFormatCertPem
    )
    with pytest.raises(xmlsec.Error):
        context.verify(tampered.find(".//ds:Signature", NS))


def _generated(vectors: Path) -> Path:
    return vectors / "generated"


def test_our_receiver_accepts_the_as4_package_message(transport_vectors_dir: Path) -> None:
    """An AS4 message built by another implementation (PyPI `as4` 0.2.0, POP000001 →
    POP000002) is decrypted, verified against its CA chain and unwrapped."""
    generated = _generated(transport_vectors_dir)
    keys = SigningCredentials.from_files(
        generated / "pki/POP000002.key", generated / "pki/POP000002.crt"
    )
    trust = SignerTrust(
        anchors=(x509.load_pem_x509_certificate((generated / "pki/root.crt").read_bytes()),),
        intermediates=(x509.load_pem_x509_certificate((generated / "pki/apca.crt").read_bytes()),),
        verification_time=datetime(2026, 11, 22, 12, tzinfo=UTC),
    )
    headers, body = split_headers((generated / "as4-0.2.0-peppol-usermessage.mime").read_bytes())
    received = receive_user_message(
        headers["content-type"],
        body,
        ReceiverSettings(
            keys=(keys,),
            check_signer=lambda c: trust.check_certificate(c, datetime.now(UTC)),
            serves=Served(frozenset({ParticipantId("0088:5790000435944")})),
        ),
    )
    assert received.header.from_party == "POP000001"
    assert received.sbd == (generated / "decrypted-payload-sbd.xml").read_bytes()
    assert received.envelope.document.startswith(b"<Invoice ")
    assert received.envelope.header.country_c1 == "BE"
    assert len(received.signature.references) == 3


def test_our_receiver_refuses_phase4_message_it_cannot_decrypt(
    transport_vectors_dir: Path, dev_pki: pki.DevPki, now: datetime
) -> None:
    raw = (
        transport_vectors_dir / "as4/phase4-peppol-usermessage-signed-encrypted.mime"
    ).read_bytes()
    headers, body = split_headers(raw)
    with pytest.raises(As4Rejected) as caught:
        receive_user_message(headers["content-type"], body, settings(dev_pki, now=now))
    assert caught.value.ebms_code == FAILED_DECRYPTION
    assert "POP000306" in caught.value.reason
    assert caught.value.ref_to_message_id == "17a7c374-efe3-41e2-ac0d-8a8f47529e47@phase4"


def test_payload_is_the_invoice_we_sent(dev_pki: pki.DevPki, now: datetime) -> None:
    message = build(dev_pki, now=now)
    received = receive_user_message(message.content_type, message.body, settings(dev_pki, now=now))
    assert received.envelope.document == INVOICE.split(b"?>", 1)[1].strip()
