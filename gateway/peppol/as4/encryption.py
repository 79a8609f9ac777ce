"""XML Encryption of AS4 attachments (SwA profile 1.1, peppol-as4.md §1.4).

Sending: one AES-128-GCM session key per message; each attachment becomes IV(12) ‖ ciphertext ‖
tag(16) in its MIME part, described by an ``xenc:EncryptedData`` (Attachment-Content-Only,
CipherReference ``cid:`` with the Attachment-Ciphertext-Transform); the session key is wrapped
for the receiver's certificate with RSA-OAEP (``xmlenc11#rsa-oaep``, MGF1-SHA256, SHA-256
digest, the values eDelivery AS4 mandates) in an ``xenc:EncryptedKey`` whose KeyInfo references
a BinarySecurityToken holding that certificate.

Receiving: the declared OAEP digest and MGF are honoured (the ``as4`` package assumes SHA-256,
§3.1.5 defect 3), the older ``rsa-oaep-mgf1p`` is accepted, data encryption must be AES-GCM
(no CBC: padding oracles). Every failure is EBMS:0102 FailedDecryption.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from gateway.peppol.as4.constants import (
    AES128_GCM,
    AES_GCM_KEY_BYTES,
    DS_NS,
    ENCRYPTED_KEY_REFERENCE_TYPE,
    GCM_IV_BYTES,
    GCM_TAG_BYTES,
    MGF1_SHA256,
    MGF_HASHES,
    OAEP_DIGEST_HASHES,
    RSA_OAEP,
    RSA_OAEP_MGF1P,
    SHA1,
    SHA256,
    SWA_CIPHERTEXT_TRANSFORM,
    SWA_CONTENT_ONLY,
    WSSE11_NS,
    WSSE_NS,
    X509V3_VALUE_TYPE,
    XENC11_NS,
    XENC_NS,
)
from gateway.peppol.as4.errors import FAILED_DECRYPTION, POLICY_NONCOMPLIANCE, As4Rejected
from gateway.peppol.as4.ids import new_xml_id
from gateway.peppol.as4.wssec import id_index, security_header
from gateway.peppol.as4.wssign import binary_security_token, rsa_key, token_reference
from gateway.signing.credentials import SigningCredentials

SESSION_KEY_BYTES = 16
SHA256_OAEP = padding.OAEP(
    mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
)


def _q(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


def _reject(message: str, code: str = FAILED_DECRYPTION) -> As4Rejected:
    return As4Rejected(code, message)


def encrypt_attachments(
    security: etree._Element,
    recipient: x509.Certificate,
    attachments: Mapping[str, bytes],
    *,
    mime_type: str = "application/gzip",
) -> dict[str, bytes]:
    """Append the recipient's BST, the EncryptedKey and one EncryptedData per attachment to
    ``security``; returns Content-ID → the bytes to put in that MIME part."""
    public_key = recipient.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise _reject("the receiver certificate does not hold an RSA key", POLICY_NONCOMPLIANCE)
    session_key = AESGCM.generate_key(bit_length=SESSION_KEY_BYTES * 8)
    token_id = binary_security_token(security, recipient, prefix="X509-enc")
    key_id = new_xml_id("EK")
    encrypted_key = etree.SubElement(
        security, _q(XENC_NS, "EncryptedKey"), Id=key_id, nsmap={"xenc": XENC_NS}
    )
    method = etree.SubElement(encrypted_key, _q(XENC_NS, "EncryptionMethod"), Algorithm=RSA_OAEP)
    etree.SubElement(method, _q(DS_NS, "DigestMethod"), Algorithm=SHA256, nsmap={"ds": DS_NS})
    etree.SubElement(
        method, _q(XENC11_NS, "MGF"), Algorithm=MGF1_SHA256, nsmap={"xenc11": XENC11_NS}
    )
    token_reference(
        etree.SubElement(encrypted_key, _q(DS_NS, "KeyInfo"), nsmap={"ds": DS_NS}), token_id
    )
    wrapped = public_key.encrypt(session_key, SHA256_OAEP)
    cipher_data = etree.SubElement(encrypted_key, _q(XENC_NS, "CipherData"))
    etree.SubElement(cipher_data, _q(XENC_NS, "CipherValue")).text = base64.b64encode(
        wrapped
    ).decode("ascii")
    references = etree.SubElement(encrypted_key, _q(XENC_NS, "ReferenceList"))
    encrypted: dict[str, bytes] = {}
    for content_id, content in attachments.items():
        data_id = new_xml_id("ED")
        etree.SubElement(references, _q(XENC_NS, "DataReference"), URI=f"#{data_id}")
        _encrypted_data(security, data_id, key_id, content_id, mime_type)
        iv = os.urandom(GCM_IV_BYTES)
        encrypted[content_id] = iv + AESGCM(session_key).encrypt(iv, content, None)
    return encrypted


def _encrypted_data(
    security: etree._Element, data_id: str, key_id: str, content_id: str, mime_type: str
) -> None:
    data = etree.SubElement(
        security,
        _q(XENC_NS, "EncryptedData"),
        {"Id": data_id, "MimeType": mime_type, "Type": SWA_CONTENT_ONLY},
        nsmap={"xenc": XENC_NS},
    )
    etree.SubElement(data, _q(XENC_NS, "EncryptionMethod"), Algorithm=AES128_GCM)
    key_info = etree.SubElement(data, _q(DS_NS, "KeyInfo"), nsmap={"ds": DS_NS})
    reference = etree.SubElement(
        key_info, _q(WSSE_NS, "SecurityTokenReference"), nsmap={"wsse11": WSSE11_NS}
    )
    reference.set(_q(WSSE11_NS, "TokenType"), ENCRYPTED_KEY_REFERENCE_TYPE)
    etree.SubElement(reference, _q(WSSE_NS, "Reference"), URI=f"#{key_id}")
    cipher = etree.SubElement(
        etree.SubElement(data, _q(XENC_NS, "CipherData")),
        _q(XENC_NS, "CipherReference"),
        URI=f"cid:{content_id}",
    )
    etree.SubElement(
        etree.SubElement(cipher, _q(XENC_NS, "Transforms")),
        _q(DS_NS, "Transform"),
        Algorithm=SWA_CIPHERTEXT_TRANSFORM,
        nsmap={"ds": DS_NS},
    )


@dataclass(frozen=True, slots=True)
class _EncryptedPart:
    content_id: str
    algorithm: str
    encrypted_key: etree._Element


def decrypt_attachments(
    envelope: etree._Element,
    parts: Mapping[str, bytes],
    keys: Sequence[SigningCredentials],
) -> dict[str, bytes]:
    """Content-ID → plaintext for every encrypted attachment; an attachment in ``parts``
    without an EncryptedData is refused (Peppol encrypts every payload, never anything else)."""
    security = security_header(envelope)
    ids = id_index(envelope)
    described = [_describe(data, ids) for data in security.findall(_q(XENC_NS, "EncryptedData"))]
    by_cid = {part.content_id: part for part in described}
    unencrypted = sorted(set(parts) - set(by_cid))
    if unencrypted:
        raise _reject(f"attachment(s) {unencrypted} are not encrypted", POLICY_NONCOMPLIANCE)
    session_keys: dict[int, bytes] = {}
    plaintexts: dict[str, bytes] = {}
    for content_id, content in parts.items():
        part = by_cid[content_id]
        marker = id(part.encrypted_key)
        if marker not in session_keys:
            session_keys[marker] = _unwrap(part.encrypted_key, ids, keys)
        plaintexts[content_id] = _decrypt(part, session_keys[marker], content)
    return plaintexts


def _describe(data: etree._Element, ids: Mapping[str, etree._Element]) -> _EncryptedPart:
    if data.get("Type") != SWA_CONTENT_ONLY:
        raise _reject(f"EncryptedData Type {data.get('Type')!r} is not Attachment-Content-Only")
    cipher = data.find(f"{_q(XENC_NS, 'CipherData')}/{_q(XENC_NS, 'CipherReference')}")
    uri = cipher.get("URI", "") if cipher is not None else ""
    if cipher is None or not uri.startswith("cid:"):
        raise _reject("EncryptedData must reference its attachment by cid:")
    transforms = [t.get("Algorithm") for t in cipher.iterfind(f".//{_q(DS_NS, 'Transform')}")]
    if transforms != [SWA_CIPHERTEXT_TRANSFORM]:
        raise _reject(f"{uri}: cipher transforms {transforms} are not allowed")
    method = data.find(_q(XENC_NS, "EncryptionMethod"))
    algorithm = method.get("Algorithm", "") if method is not None else ""
    if algorithm not in AES_GCM_KEY_BYTES:
        raise _reject(f"{uri}: data encryption {algorithm!r} is not AES-GCM")
    return _EncryptedPart(uri[4:], algorithm, _encrypted_key_for(data, ids))


def _encrypted_key_for(data: etree._Element, ids: Mapping[str, etree._Element]) -> etree._Element:
    reference = data.find(
        f"{_q(DS_NS, 'KeyInfo')}/{_q(WSSE_NS, 'SecurityTokenReference')}/{_q(WSSE_NS, 'Reference')}"
    )
    if reference is not None:
        target = ids.get(reference.get("URI", "").removeprefix("#"))
        if target is not None and target.tag == _q(XENC_NS, "EncryptedKey"):
            return target
    data_id = data.get("Id")
    parent = data.getparent()
    candidates = parent.iterfind(_q(XENC_NS, "EncryptedKey")) if parent is not None else iter(())
    for key in candidates:
        uris = {r.get("URI") for r in key.iterfind(f".//{_q(XENC_NS, 'DataReference')}")}
        if data_id and f"#{data_id}" in uris:
            return key
    raise _reject(f"no EncryptedKey for EncryptedData {data_id!r}")


def oaep_padding(method: etree._Element | None) -> padding.OAEP:
    """The OAEP parameters an ``EncryptionMethod`` declares (XML Encryption 1.1 §5.5.2)."""
    algorithm = method.get("Algorithm", "") if method is not None else ""
    if method is None or algorithm not in (RSA_OAEP, RSA_OAEP_MGF1P):
        raise _reject(f"key transport {algorithm!r} is not RSA-OAEP")
    digest_element = method.find(_q(DS_NS, "DigestMethod"))
    digest_uri = digest_element.get("Algorithm", "") if digest_element is not None else SHA1
    mgf_element = method.find(_q(XENC11_NS, "MGF"))
    if algorithm == RSA_OAEP_MGF1P:
        if mgf_element is not None:
            raise _reject("rsa-oaep-mgf1p does not take an MGF parameter")
        mgf_uri = "http://www.w3.org/2009/xmlenc11#mgf1sha1"
    else:
        mgf_uri = (
            mgf_element.get("Algorithm", "")
            if mgf_element is not None
            else "http://www.w3.org/2009/xmlenc11#mgf1sha1"
        )
    digest, mgf = OAEP_DIGEST_HASHES.get(digest_uri), MGF_HASHES.get(mgf_uri)
    if digest is None or mgf is None:
        raise _reject(f"OAEP digest {digest_uri!r} / MGF {mgf_uri!r} not supported")
    if method.find(_q(XENC_NS, "OAEPparams")) is not None:
        raise _reject("OAEPparams (an OAEP label) is not supported")
    return padding.OAEP(mgf=padding.MGF1(algorithm=mgf()), algorithm=digest(), label=None)


def _key_certificate(
    encrypted_key: etree._Element, ids: Mapping[str, etree._Element]
) -> x509.Certificate | None:
    reference = encrypted_key.find(
        f"{_q(DS_NS, 'KeyInfo')}/{_q(WSSE_NS, 'SecurityTokenReference')}/{_q(WSSE_NS, 'Reference')}"
    )
    if reference is None:
        return None
    token = ids.get(reference.get("URI", "").removeprefix("#"))
    if token is None or token.tag != _q(WSSE_NS, "BinarySecurityToken"):
        return None
    if token.get("ValueType") != X509V3_VALUE_TYPE:
        return None
    try:
        return x509.load_der_x509_certificate(base64.b64decode("".join((token.text or "").split())))
    except (ValueError, binascii.Error):
        raise _reject("EncryptedKey BinarySecurityToken is not a DER certificate") from None


def _unwrap(
    encrypted_key: etree._Element,
    ids: Mapping[str, etree._Element],
    keys: Sequence[SigningCredentials],
) -> bytes:
    oaep = oaep_padding(encrypted_key.find(_q(XENC_NS, "EncryptionMethod")))
    try:
        path = f"{_q(XENC_NS, 'CipherData')}/{_q(XENC_NS, 'CipherValue')}"
        text = "".join((encrypted_key.findtext(path) or "").split())
        wrapped = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise _reject("EncryptedKey CipherValue is not base64") from None
    certificate = _key_certificate(encrypted_key, ids)
    candidates = [k for k in keys if certificate is None or k.certificate == certificate]
    if not candidates:
        subject = certificate.subject.rfc4514_string() if certificate is not None else "?"
        raise _reject(f"the message is encrypted for {subject}, not for our certificate")
    for credentials in candidates:
        try:
            return rsa_key(credentials).decrypt(wrapped, oaep)
        except ValueError:
            continue
    raise _reject("the session key cannot be unwrapped with our key")


def _decrypt(part: _EncryptedPart, session_key: bytes, content: bytes) -> bytes:
    if len(session_key) != AES_GCM_KEY_BYTES[part.algorithm]:
        raise _reject(f"cid:{part.content_id}: session key length does not match {part.algorithm}")
    if len(content) < GCM_IV_BYTES + GCM_TAG_BYTES:
        raise _reject(f"cid:{part.content_id}: ciphertext shorter than IV and tag")
    iv, ciphertext = content[:GCM_IV_BYTES], content[GCM_IV_BYTES:]
    try:
        return AESGCM(session_key).decrypt(iv, ciphertext, None)
    except InvalidTag:
        raise _reject(f"cid:{part.content_id}: AES-GCM authentication failed (altered)") from None
