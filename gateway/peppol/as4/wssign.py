"""WS-Security 1.1.1 detached XML-DSig for Peppol AS4, signing side (peppol-as4.md §1.4).

Produces what ``wssec.verify_ws_signature`` (and phase4) accept: exc-c14n SignedInfo with
``InclusiveNamespaces PrefixList="S12"`` (as phase4 emits it), RSA-SHA256, SHA-256 digests,
one exc-c14n reference per signed element (by ``wsu:Id``), one reference per attachment with
the SwA Attachment-Content-Signature-Transform (digest over the attachment bytes as given:
compressed, not yet encrypted), and KeyInfo → SecurityTokenReference → BinarySecurityToken.

The envelope must be complete except for the signature: exc-c14n depends on the ancestors'
namespaces, so the referenced elements are digested where they stand.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from gateway.errors import ConfigurationError
from gateway.peppol.as4.constants import (
    BASE64_ENCODING,
    DS_NS,
    EXC_C14N,
    RSA_SHA256,
    SHA256,
    SOAP12_NS,
    SWA_CONTENT_TRANSFORM,
    WSSE_NS,
    WSU_NS,
    X509V3_VALUE_TYPE,
)
from gateway.peppol.as4.ids import new_xml_id
from gateway.peppol.as4.wssec import SignedReference, exc_c14n, id_index, inclusive_prefixes
from gateway.signing.credentials import SigningCredentials
from gateway.xml.parser import parse_xml

SIGNED_INFO_PREFIXES = ("S12",)


def _q(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


@dataclass(frozen=True, slots=True)
class XmlPart:
    """An element to sign (it must carry ``wsu:Id``) and the exc-c14n InclusiveNamespaces."""

    element: etree._Element
    inclusive_prefixes: tuple[str, ...] = ()

    @property
    def xml_id(self) -> str:
        value = self.element.get(_q(WSU_NS, "Id"))
        if value is None or not value:
            raise ValueError(f"{self.element.tag} has no wsu:Id to reference")
        return str(value)


def rsa_key(credentials: SigningCredentials) -> rsa.RSAPrivateKey:
    key = credentials.private_key
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError(
            "Peppol AS4 needs an RSA access-point key (rsa-sha256, RSA-OAEP); this one is "
            f"{type(key).__name__}"
        )
    return key


def security_element(header: etree._Element) -> etree._Element:
    """A new ``wsse:Security`` with ``S12:mustUnderstand="true"`` in ``header``."""
    security = etree.SubElement(
        header, _q(WSSE_NS, "Security"), nsmap={"wsse": WSSE_NS, "wsu": WSU_NS}
    )
    security.set(_q(SOAP12_NS, "mustUnderstand"), "true")
    return security


def binary_security_token(
    security: etree._Element, certificate: x509.Certificate, prefix: str = "X509"
) -> str:
    """Append a BinarySecurityToken holding ``certificate``; returns its ``wsu:Id``."""
    token_id = new_xml_id(prefix)
    token = etree.SubElement(
        security,
        _q(WSSE_NS, "BinarySecurityToken"),
        {
            "EncodingType": BASE64_ENCODING,
            "ValueType": X509V3_VALUE_TYPE,
            _q(WSU_NS, "Id"): token_id,
        },
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    token.text = base64.b64encode(der).decode("ascii")
    return token_id


def token_reference(parent: etree._Element, token_id: str) -> etree._Element:
    """``wsse:SecurityTokenReference/wsse:Reference`` to a BinarySecurityToken."""
    reference = etree.SubElement(parent, _q(WSSE_NS, "SecurityTokenReference"))
    etree.SubElement(
        reference, _q(WSSE_NS, "Reference"), URI=f"#{token_id}", ValueType=X509V3_VALUE_TYPE
    )
    return reference


def _c14n_method(parent: etree._Element, tag: str, prefixes: Sequence[str]) -> etree._Element:
    method = etree.SubElement(parent, _q(DS_NS, tag), Algorithm=EXC_C14N)
    if prefixes:
        etree.SubElement(
            method,
            _q(EXC_C14N, "InclusiveNamespaces"),
            PrefixList=" ".join(prefixes),
            nsmap={"ec": EXC_C14N},
        )
    return method


def _digest(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    return digest.finalize()


def _reference_template(
    signed_info: etree._Element, uri: str, transform: str, prefixes: Sequence[str]
) -> None:
    reference = etree.SubElement(signed_info, _q(DS_NS, "Reference"), URI=uri)
    transforms = etree.SubElement(reference, _q(DS_NS, "Transforms"))
    if transform == EXC_C14N:
        _c14n_method(transforms, "Transform", prefixes)
    else:
        etree.SubElement(transforms, _q(DS_NS, "Transform"), Algorithm=transform)
    etree.SubElement(reference, _q(DS_NS, "DigestMethod"), Algorithm=SHA256)
    etree.SubElement(reference, _q(DS_NS, "DigestValue"))


@dataclass(frozen=True, slots=True)
class SignedEnvelope:
    root: etree._Element
    references: tuple[SignedReference, ...]

    def to_bytes(self) -> bytes:
        data: bytes = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8")
        return data


def _template(
    security: etree._Element,
    credentials: SigningCredentials,
    parts: Sequence[XmlPart],
    attachments: Mapping[str, bytes],
) -> None:
    token_id = binary_security_token(security, credentials.certificate)
    signature = etree.SubElement(
        security, _q(DS_NS, "Signature"), Id=new_xml_id("SIG"), nsmap={"ds": DS_NS}
    )
    signed_info = etree.SubElement(signature, _q(DS_NS, "SignedInfo"))
    _c14n_method(signed_info, "CanonicalizationMethod", SIGNED_INFO_PREFIXES)
    etree.SubElement(signed_info, _q(DS_NS, "SignatureMethod"), Algorithm=RSA_SHA256)
    for part in parts:
        _reference_template(signed_info, f"#{part.xml_id}", EXC_C14N, part.inclusive_prefixes)
    for content_id in attachments:
        _reference_template(signed_info, f"cid:{content_id}", SWA_CONTENT_TRANSFORM, ())
    etree.SubElement(signature, _q(DS_NS, "SignatureValue"))
    key_info = etree.SubElement(signature, _q(DS_NS, "KeyInfo"), Id=new_xml_id("KI"))
    token_reference(key_info, token_id).set(_q(WSU_NS, "Id"), new_xml_id("STR"))


def _fill_digest(
    reference: etree._Element, ids: Mapping[str, etree._Element], attachments: Mapping[str, bytes]
) -> SignedReference:
    uri = reference.get("URI", "")
    if uri.startswith("cid:"):
        value = _digest(attachments[uri[4:]])
    else:
        transform = reference.find(f"{_q(DS_NS, 'Transforms')}/{_q(DS_NS, 'Transform')}")
        prefixes = inclusive_prefixes(transform) if transform is not None else []
        value = _digest(exc_c14n(ids[uri[1:]], prefixes))
    digest = reference.find(_q(DS_NS, "DigestValue"))
    assert digest is not None
    digest.text = base64.b64encode(value).decode("ascii")
    return SignedReference(uri, SHA256, value, reference)


def sign(
    envelope: etree._Element,
    security: etree._Element,
    credentials: SigningCredentials,
    *,
    parts: Sequence[XmlPart],
    attachments: Mapping[str, bytes] | None = None,
) -> SignedEnvelope:
    """Append our BinarySecurityToken and the ``ds:Signature`` over ``parts`` and
    ``attachments`` (Content-ID without ``cid:`` → bytes) to ``security`` in ``envelope``.

    Digests and the signature are computed on the serialised-and-reparsed envelope, which is
    returned: libxml2's exc-c14n omits InclusiveNamespaces prefixes that are declared on an
    ancestor of an element built in memory (S12 on SignedInfo), but not in a parsed tree,
    which is what every receiver canonicalises.
    """
    key = rsa_key(credentials)
    attachments = attachments or {}
    _template(security, credentials, parts, attachments)
    root = parse_xml(etree.tostring(envelope))
    ids = id_index(root)
    signed_info = root.find(
        f"{_q(SOAP12_NS, 'Header')}/{_q(WSSE_NS, 'Security')}/{_q(DS_NS, 'Signature')}"
        f"/{_q(DS_NS, 'SignedInfo')}"
    )
    assert signed_info is not None
    references = tuple(
        _fill_digest(reference, ids, attachments)
        for reference in signed_info.iterfind(_q(DS_NS, "Reference"))
    )
    value = key.sign(
        exc_c14n(signed_info, list(SIGNED_INFO_PREFIXES)), padding.PKCS1v15(), hashes.SHA256()
    )
    signature_value = signed_info.getnext()
    assert signature_value is not None
    signature_value.text = base64.b64encode(value).decode("ascii")
    return SignedEnvelope(root, references)
