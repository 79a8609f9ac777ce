"""WS-Security 1.1.1 detached XML-DSig as Peppol AS4 uses it (peppol-as4.md §1.4), verification.

Only what the profile allows is accepted: exc-c14n (with ``InclusiveNamespaces``) for
SignedInfo and XML references, the SwA Attachment-Content-Signature-Transform for ``cid:``
references, RSA-SHA256/384/512, SHA-256/384/512 digests, the key in a BinarySecurityToken
(X509v3) referenced by a SecurityTokenReference. Any other transform or algorithm, a duplicate
Id (signature wrapping), or a Messaging/Body/attachment left unsigned is refused.

``verify_ws_signature`` is pure: attachments come in as bytes, trust decisions as a callback.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from gateway.peppol.as4.constants import (
    DIGEST_HASHES,
    DS_NS,
    EB_NS,
    EXC_C14N,
    SIGNATURE_HASHES,
    SOAP12_NS,
    SWA_CONTENT_TRANSFORM,
    WSSE_NS,
    WSU_NS,
    X509V3_VALUE_TYPE,
)
from gateway.peppol.as4.errors import FAILED_AUTHENTICATION, POLICY_NONCOMPLIANCE, As4Rejected

SignerCheck = Callable[[x509.Certificate], None]


def _q(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


@dataclass(frozen=True, slots=True)
class SignedReference:
    """One ds:Reference as signed: what a receipt's NonRepudiationInformation must echo."""

    uri: str
    digest_method: str
    digest_value: bytes
    element: etree._Element = field(repr=False, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class WsSignature:
    signer: x509.Certificate
    references: tuple[SignedReference, ...]
    unchecked_attachments: tuple[str, ...] = ()


def _reject(message: str, code: str = FAILED_AUTHENTICATION) -> As4Rejected:
    return As4Rejected(code, message)


def exc_c14n(element: etree._Element, prefixes: list[str] | None = None) -> bytes:
    result: bytes = etree.tostring(
        element,
        method="c14n",
        exclusive=True,
        with_comments=False,
        inclusive_ns_prefixes=prefixes or None,
    )
    return result


def inclusive_prefixes(parent: etree._Element) -> list[str]:
    inclusive = parent.find(_q(EXC_C14N, "InclusiveNamespaces"))
    if inclusive is None:
        return []
    return [p for p in (inclusive.get("PrefixList") or "").split() if p != "#default"]


def security_header(envelope: etree._Element) -> etree._Element:
    if envelope.tag != _q(SOAP12_NS, "Envelope"):
        raise _reject(f"not a SOAP 1.2 envelope: {envelope.tag}", POLICY_NONCOMPLIANCE)
    headers = envelope.findall(_q(SOAP12_NS, "Header"))
    securities = [s for h in headers for s in h.findall(_q(WSSE_NS, "Security"))]
    if len(securities) != 1:
        raise _reject(
            f"expected one wsse:Security header, found {len(securities)}", POLICY_NONCOMPLIANCE
        )
    return securities[0]


def id_index(envelope: etree._Element) -> dict[str, etree._Element]:
    """wsu:Id / Id → element; a duplicate Id is a wrapping attempt and is refused."""
    index: dict[str, etree._Element] = {}
    for element in envelope.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in (_q(WSU_NS, "Id"), "Id"):
            value = element.get(attribute)
            if value is None:
                continue
            if value in index and index[value] is not element:
                raise _reject(f"duplicate Id {value!r} (signature wrapping)")
            index[value] = element
    return index


def _signer_certificate(
    signature: etree._Element, ids: Mapping[str, etree._Element]
) -> x509.Certificate:
    reference = signature.find(
        f"{_q(DS_NS, 'KeyInfo')}/{_q(WSSE_NS, 'SecurityTokenReference')}/{_q(WSSE_NS, 'Reference')}"
    )
    uri = reference.get("URI", "") if reference is not None else ""
    token = ids.get(uri[1:]) if uri.startswith("#") else None
    if token is None or token.tag != _q(WSSE_NS, "BinarySecurityToken"):
        raise _reject("KeyInfo must reference a wsse:BinarySecurityToken (Peppol AS4 2.0.2)")
    if token.get("ValueType") != X509V3_VALUE_TYPE:
        raise _reject(f"BinarySecurityToken ValueType {token.get('ValueType')!r} is not X509v3")
    try:
        return x509.load_der_x509_certificate(base64.b64decode("".join((token.text or "").split())))
    except (ValueError, binascii.Error):
        raise _reject("BinarySecurityToken is not a DER X.509 certificate") from None


def _check_transforms(reference: etree._Element, uri: str) -> list[str]:
    transforms = reference.findall(f"{_q(DS_NS, 'Transforms')}/{_q(DS_NS, 'Transform')}")
    algorithms = [t.get("Algorithm") for t in transforms]
    expected = SWA_CONTENT_TRANSFORM if uri.startswith("cid:") else EXC_C14N
    if algorithms != [expected]:
        raise _reject(f"reference {uri}: transforms {algorithms} not allowed (expected {expected})")
    return inclusive_prefixes(transforms[0])


def _digest(algorithm: str | None, data: bytes) -> bytes:
    hash_class = DIGEST_HASHES.get(algorithm or "")
    if hash_class is None:
        raise _reject(f"digest method {algorithm!r} not allowed")
    digest = hashes.Hash(hash_class())
    digest.update(data)
    return digest.finalize()


def _reference(
    element: etree._Element,
    ids: Mapping[str, etree._Element],
    attachments: Mapping[str, bytes] | None,
) -> tuple[SignedReference, bool]:
    """The reference, and whether its digest was checked (False: attachment not available)."""
    uri = element.get("URI") or ""
    prefixes = _check_transforms(element, uri)
    method = element.find(_q(DS_NS, "DigestMethod"))
    algorithm = method.get("Algorithm") if method is not None else None
    try:
        expected = base64.b64decode((element.findtext(_q(DS_NS, "DigestValue")) or "").strip())
    except binascii.Error:
        raise _reject(f"reference {uri}: DigestValue is not base64") from None
    signed = SignedReference(uri, algorithm or "", expected, element)
    if uri.startswith("cid:"):
        if attachments is None:
            _digest(algorithm, b"")  # still refuse a disallowed digest method
            return signed, False
        content = attachments.get(uri[4:])
        if content is None:
            raise _reject(f"signed attachment {uri} is not in the message")
        data = content
    elif uri.startswith("#") and uri[1:] in ids:
        data = exc_c14n(ids[uri[1:]], prefixes)
    else:
        raise _reject(f"reference {uri!r} does not resolve to an element of the message")
    if not hmac.compare_digest(_digest(algorithm, data), expected):
        raise _reject(f"digest mismatch for {uri}: the message was altered")
    return signed, True


def _check_signature_value(signature: etree._Element, signer: x509.Certificate) -> None:
    signed_info = signature.find(_q(DS_NS, "SignedInfo"))
    if signed_info is None:
        raise _reject("ds:Signature without SignedInfo")
    c14n = signed_info.find(_q(DS_NS, "CanonicalizationMethod"))
    if c14n is None or c14n.get("Algorithm") != EXC_C14N:
        raise _reject("SignedInfo must use exclusive canonicalisation")
    method = signed_info.find(_q(DS_NS, "SignatureMethod"))
    hash_class = SIGNATURE_HASHES.get(method.get("Algorithm", "") if method is not None else "")
    if hash_class is None:
        algorithm = method.get("Algorithm") if method is not None else None
        raise _reject(f"signature method {algorithm!r} not allowed")
    key = signer.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise _reject("the signing certificate does not hold an RSA key")
    try:
        value = base64.b64decode(
            "".join((signature.findtext(_q(DS_NS, "SignatureValue")) or "").split())
        )
        key.verify(
            value, exc_c14n(signed_info, inclusive_prefixes(c14n)), padding.PKCS1v15(), hash_class()
        )
    except (InvalidSignature, binascii.Error):
        raise _reject("signature value does not verify") from None


def verify_ws_signature(
    envelope: etree._Element,
    *,
    check_signer: SignerCheck,
    attachments: Mapping[str, bytes] | None = None,
    attachment_ids: tuple[str, ...] = (),
) -> WsSignature:
    """Verify the envelope's WS-Security signature; refuse anything outside the profile.

    ``attachments`` maps Content-ID (without ``cid:``/brackets) to the bytes the signature
    covers (compressed, decrypted); None when they cannot be decrypted here, in which case
    the cid: digests are reported in ``unchecked_attachments``. ``attachment_ids`` lists the
    Content-IDs the message carries: each must be signed. ``check_signer`` raises for an
    untrusted certificate (pinned SMP certificate for receipts, AP CA chain for messages).
    """
    security = security_header(envelope)
    signatures = security.findall(_q(DS_NS, "Signature"))
    if len(signatures) != 1:
        raise _reject(f"expected one ds:Signature in wsse:Security, found {len(signatures)}")
    signature = signatures[0]
    ids = id_index(envelope)
    signer = _signer_certificate(signature, ids)
    _check_signature_value(signature, signer)
    check_signer(signer)
    references, unchecked = [], []
    for element in signature.iterfind(f"{_q(DS_NS, 'SignedInfo')}/{_q(DS_NS, 'Reference')}"):
        reference, checked = _reference(element, ids, attachments)
        references.append(reference)
        if not checked:
            unchecked.append(reference.uri)
    _check_coverage(envelope, ids, references, attachment_ids)
    return WsSignature(signer, tuple(references), tuple(unchecked))


def _check_coverage(
    envelope: etree._Element,
    ids: Mapping[str, etree._Element],
    references: list[SignedReference],
    attachment_ids: tuple[str, ...],
) -> None:
    signed_elements = [ids[r.uri[1:]] for r in references if r.uri.startswith("#")]
    messaging = envelope.find(f"{_q(SOAP12_NS, 'Header')}/{_q(EB_NS, 'Messaging')}")
    body = envelope.find(_q(SOAP12_NS, "Body"))
    for name, element in (("eb:Messaging", messaging), ("S12:Body", body)):
        if element is None or not any(element is signed for signed in signed_elements):
            raise _reject(f"{name} is not covered by the signature")
    signed_cids = {r.uri[4:] for r in references if r.uri.startswith("cid:")}
    missing = [cid for cid in attachment_ids if cid not in signed_cids]
    if missing:
        raise _reject(f"attachment(s) {missing} are not covered by the signature")
