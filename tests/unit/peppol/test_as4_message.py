"""AS4 sending core: the UserMessage we build, checked with the verification side (wssec,
usermessage, mime) and by reading the structure the Peppol profile fixes."""

from __future__ import annotations

import base64
import gzip
import re
from datetime import datetime

import pytest
from lxml import etree

from gateway.peppol import sbdh
from gateway.peppol.as4.constants import (
    AES128_GCM,
    DS_NS,
    EB_NS,
    EXC_C14N,
    MGF1_SHA256,
    RSA_OAEP,
    RSA_SHA256,
    SHA256,
    SOAP12_NS,
    SWA_CONTENT_TRANSFORM,
    WSSE_NS,
    WSU_NS,
    XENC11_NS,
    XENC_NS,
)
from gateway.peppol.as4.encryption import decrypt_attachments
from gateway.peppol.as4.errors import FAILED_DECRYPTION, As4Rejected
from gateway.peppol.as4.ids import as4_message_id, is_xml_id, new_content_id, new_xml_id
from gateway.peppol.as4.mime import split_multipart
from gateway.peppol.as4.usermessage import check_peppol_header, read_user_message
from gateway.peppol.as4.wssec import verify_ws_signature
from gateway.signing import pki
from gateway.xml.parser import parse_xml
from tests.unit.peppol.as4_support import INVOICE, RECEIVER, SENDER, build

NS = {"S12": SOAP12_NS, "eb": EB_NS, "ds": DS_NS, "wsse": WSSE_NS, "xenc": XENC_NS, "wsu": WSU_NS}


@pytest.fixture(scope="module")
def message_parts(dev_pki: pki.DevPki, now: datetime) -> tuple[etree._Element, bytes, str]:
    message = build(dev_pki, now=now)
    parts = split_multipart(message.content_type, message.body)
    assert len(parts) == 2
    return parse_xml(parts[0].content), parts[1].content, parts[1].content_id or ""


def test_mime_packaging_uses_crlf_and_binary_parts(dev_pki: pki.DevPki, now: datetime) -> None:
    message = build(dev_pki, now=now)
    assert message.content_type.startswith('multipart/related; type="application/soap+xml"')
    assert b"\r\n\r\n" in message.body
    assert b"\n\n" not in message.body.replace(b"\r\n", b"")
    assert message.body.count(b"Content-Transfer-Encoding: binary\r\n") == 2
    assert message.body.endswith(b"--\r\n")
    assert message.http_headers()["MIME-Version"] == "1.0"


def test_header_carries_the_fixed_peppol_values(
    message_parts: tuple[etree._Element, bytes, str],
) -> None:
    envelope, _, content_id = message_parts
    header = read_user_message(envelope)
    check_peppol_header(header)  # helper-10's checks of the fixed values pass
    assert (header.from_party, header.to_party) == ("POP000901", "POP000902")
    assert header.properties == {"originalSender": SENDER.value, "finalRecipient": RECEIVER.value}
    assert header.action.startswith("busdox-docid-qns::urn:oasis:names:specification:ubl")
    assert [p.href for p in header.parts] == [f"cid:{content_id}"]
    assert header.parts[0].mime_type == "application/xml"
    messaging = envelope.find("S12:Header/eb:Messaging", NS)
    assert messaging is not None
    assert messaging.get(f"{{{SOAP12_NS}}}mustUnderstand") == "true"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", header.timestamp)
    assert envelope.find("S12:Body", NS) is not None
    assert len(envelope.find("S12:Body", NS)) == 0


def test_every_xml_id_is_an_ncname(dev_pki: pki.DevPki, now: datetime) -> None:
    """The PyPI `as4` package emits bare UUIDs (62% start with a digit); we never do."""
    for _ in range(20):
        envelope = parse_xml(split_multipart(*_ct_body(build(dev_pki, now=now)))[0].content)
        ids = [e.get(f"{{{WSU_NS}}}Id") or e.get("Id") for e in envelope.iter()]
        ids = [i for i in ids if i]
        assert len(ids) >= 8
        assert all(is_xml_id(i) for i in ids), ids


def _ct_body(message: object) -> tuple[str, bytes]:
    return message.content_type, message.body  # type: ignore[attr-defined]


def test_signature_uses_the_profile_algorithms(
    message_parts: tuple[etree._Element, bytes, str],
) -> None:
    envelope, _, content_id = message_parts
    signed_info = envelope.find(".//ds:Signature/ds:SignedInfo", NS)
    assert signed_info is not None
    assert signed_info.find("ds:CanonicalizationMethod", NS).get("Algorithm") == EXC_C14N
    assert signed_info.find("ds:SignatureMethod", NS).get("Algorithm") == RSA_SHA256
    references = signed_info.findall("ds:Reference", NS)
    assert [r.get("URI")[:4] for r in references] == ["#msg", "#bod", "cid:"]
    assert references[2].get("URI") == f"cid:{content_id}"
    assert (
        references[2].find("ds:Transforms/ds:Transform", NS).get("Algorithm")
        == SWA_CONTENT_TRANSFORM
    )
    assert {r.find("ds:DigestMethod", NS).get("Algorithm") for r in references} == {SHA256}
    key_ref = envelope.find(
        ".//ds:Signature/ds:KeyInfo/wsse:SecurityTokenReference/wsse:Reference", NS
    )
    token = envelope.find(f".//wsse:BinarySecurityToken[@wsu:Id='{key_ref.get('URI')[1:]}']", NS)
    assert token is not None


def test_encryption_uses_aes128_gcm_and_rsa_oaep_sha256(
    message_parts: tuple[etree._Element, bytes, str],
) -> None:
    envelope, attachment, content_id = message_parts
    method = envelope.find(".//xenc:EncryptedKey/xenc:EncryptionMethod", NS)
    assert method.get("Algorithm") == RSA_OAEP
    assert method.find("ds:DigestMethod", NS).get("Algorithm") == SHA256
    assert method.find(f"{{{XENC11_NS}}}MGF").get("Algorithm") == MGF1_SHA256
    data = envelope.find(".//xenc:EncryptedData", NS)
    assert data.get("MimeType") == "application/gzip"
    assert data.find("xenc:EncryptionMethod", NS).get("Algorithm") == AES128_GCM
    assert data.find("xenc:CipherData/xenc:CipherReference", NS).get("URI") == f"cid:{content_id}"
    assert not attachment.startswith(b"\x1f\x8b")  # encrypted, not plain gzip


def test_message_verifies_and_decrypts_with_the_verification_side(
    dev_pki: pki.DevPki, message_parts: tuple[etree._Element, bytes, str], now: datetime
) -> None:
    envelope, attachment, content_id = message_parts
    receiver = dev_pki.entries["ap/POP000902"].credentials()
    plain = decrypt_attachments(envelope, {content_id: attachment}, [receiver])
    signature = verify_ws_signature(
        envelope, check_signer=lambda c: None, attachments=plain, attachment_ids=(content_id,)
    )
    assert signature.signer == dev_pki.entries["ap/POP000901"].certificate
    assert signature.unchecked_attachments == ()
    payload = gzip.decompress(plain[content_id])
    assert sbdh.unwrap(payload, max_bytes=1 << 20).document == INVOICE.split(b"?>", 1)[1].strip()


def test_a_third_party_cannot_decrypt(
    dev_pki: pki.DevPki, other_pki: pki.DevPki, message_parts: tuple[etree._Element, bytes, str]
) -> None:
    envelope, attachment, content_id = message_parts
    with pytest.raises(As4Rejected, match="encrypted for") as caught:
        decrypt_attachments(
            envelope, {content_id: attachment}, [other_pki.entries["ap/POP000666"].credentials()]
        )
    assert caught.value.ebms_code == FAILED_DECRYPTION


def test_signed_references_are_what_the_receipt_must_echo(
    dev_pki: pki.DevPki, now: datetime
) -> None:
    message = build(dev_pki, now=now)
    envelope = parse_xml(message.soap)
    digests = [
        r.findtext("ds:DigestValue", namespaces=NS)
        for r in envelope.iterfind(".//ds:SignedInfo/ds:Reference", NS)
    ]
    assert [base64.b64encode(r.digest_value).decode() for r in message.signed_references] == digests


def test_message_ids() -> None:
    assert as4_message_id("0190a4b2-7c1d-7e3f-8a9b-112233445566") == (
        "0190a4b2-7c1d-7e3f-8a9b-112233445566@gateway.as4"
    )
    assert as4_message_id("abc@partner.example") == "abc@partner.example"
    with pytest.raises(Exception, match="msg-id"):
        as4_message_id("a b@c")
    assert is_xml_id(new_xml_id("EK"))
    assert not is_xml_id("1abc")
    assert "@" in new_content_id()
    with pytest.raises(ValueError, match="start with a letter"):
        new_xml_id("9")
