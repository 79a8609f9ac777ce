"""Enveloped XML-DSig and XAdES-BES signatures over whole business documents (signxml).

Signing puts one enveloped signature (``Reference URI=""`` + enveloped-signature transform,
exc-c14n, XML-DSig 1.1 §6.6.4) over the whole document. For UBL 2.x documents it sits where
UBL 2.1 §5.2 ("UBL Extensions for Signatures") puts it:
``ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/sig:UBLDocumentSignatures/
sac:SignatureInformation/ds:Signature``, so the document stays schema-valid; for any other
root it is the last child of the root. XAdES-BES (ETSI EN 319 132-1) adds SignedProperties
with SigningTime and SigningCertificateV2, and no signature policy.

Verification trusts only what was signed: callers get ``VerifiedDocument.signed_bytes``, the
canonical bytes signxml digested (signature removed), never the tree they passed in. The
document reference must be the whole document (``URI=""``); algorithms are restricted to
``algorithms.SECURE_*``; the signer must be pinned or chain to the configured anchors.
"""

from __future__ import annotations

import base64
import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, SignXMLException
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier
from signxml.xades.xades import XAdESSignatureConfiguration, XAdESSigner, XAdESVerifier

from gateway.errors import ConfigurationError, InputError
from gateway.signing.algorithms import SECURE_DIGEST_ALGORITHMS, SECURE_SIGNATURE_METHODS
from gateway.signing.credentials import SigningCredentials
from gateway.signing.errors import (
    SIG_ALGORITHM,
    SIG_INVALID,
    SIG_MISSING,
    SIG_SCOPE,
    SIG_UNTRUSTED,
    SignatureRejected,
)
from gateway.signing.trust import AnchoredVerifierMixin, SignerTrust
from gateway.xml.parser import DEFAULT_MAX_BYTES, parse_xml

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
XADES_NS = "http://uri.etsi.org/01903/v1.3.2#"
EXT_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
SIG_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonSignatureComponents-2"
SAC_NS = "urn:oasis:names:specification:ubl:schema:xsd:SignatureAggregateComponents-2"
UBL_MAIN_PREFIX = "urn:oasis:names:specification:ubl:schema:xsd:"
ENVELOPED_TRANSFORM = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
# UBL 2.1 §5.2: ExtensionURI values for the two signature kinds.
UBL_DSIG_URI = "urn:oasis:names:specification:ubl:dsig:enveloped"
UBL_XADES_URI = "urn:oasis:names:specification:ubl:dsig:enveloped:xades"
XADES_SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"


class SignatureKind(StrEnum):
    XMLDSIG = "xmldsig"
    XADES_BES = "xades-bes"


def _q(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


def is_ubl(root: etree._Element) -> bool:
    namespace = etree.QName(root).namespace or ""
    return namespace.startswith(UBL_MAIN_PREFIX) and namespace != EXT_NS


def find_signatures(root: etree._Element) -> list[etree._Element]:
    return list(root.iter(_q(DS_NS, "Signature")))


def _insert_ubl_placeholder(root: etree._Element, kind: SignatureKind) -> None:
    """UBLExtensions must be the first child of a UBL root (UBL 2.1 XSD)."""
    first = root[0] if len(root) else None
    if first is not None and first.tag == _q(EXT_NS, "UBLExtensions"):
        extensions = first
    else:
        extensions = etree.Element(_q(EXT_NS, "UBLExtensions"), nsmap={"ext": EXT_NS})
        root.insert(0, extensions)
    extension = etree.SubElement(extensions, _q(EXT_NS, "UBLExtension"))
    uri = etree.SubElement(extension, _q(EXT_NS, "ExtensionURI"))
    uri.text = UBL_XADES_URI if kind is SignatureKind.XADES_BES else UBL_DSIG_URI
    content = etree.SubElement(extension, _q(EXT_NS, "ExtensionContent"))
    signatures = etree.SubElement(
        content, _q(SIG_NS, "UBLDocumentSignatures"), nsmap={"sig": SIG_NS, "sac": SAC_NS}
    )
    information = etree.SubElement(signatures, _q(SAC_NS, "SignatureInformation"))
    etree.SubElement(
        information, _q(DS_NS, "Signature"), {"Id": "placeholder"}, nsmap={"ds": DS_NS}
    )


class _Xades132Signer(XAdESSigner):
    """XAdES-BES with ``SigningCertificate`` (SHA-256 CertDigest + IssuerSerial) for UBL.

    UBL 2.1 bundles the XAdES v1.3.2 schema (TS 101 903), which has no
    ``SigningCertificateV2``; signxml's default would make the invoice schema-invalid.
    """

    def add_signing_certificate(
        self,
        signed_signature_properties: etree._Element,
        sig_root: etree._Element,
        signing_settings: Any,
    ) -> None:
        certificate = signing_settings.cert_chain[0]
        assert isinstance(certificate, x509.Certificate)
        signing_cert = etree.SubElement(
            signed_signature_properties, _q(XADES_NS, "SigningCertificate")
        )
        cert = etree.SubElement(signing_cert, _q(XADES_NS, "Cert"))
        digest = etree.SubElement(cert, _q(XADES_NS, "CertDigest"))
        etree.SubElement(digest, _q(DS_NS, "DigestMethod"), Algorithm=self.digest_alg.value)
        value = etree.SubElement(digest, _q(DS_NS, "DigestValue"))
        der = certificate.public_bytes(serialization.Encoding.DER)
        value.text = base64.b64encode(self._get_digest(der, algorithm=self.digest_alg)).decode()
        issuer_serial = etree.SubElement(cert, _q(XADES_NS, "IssuerSerial"))
        issuer = etree.SubElement(issuer_serial, _q(DS_NS, "X509IssuerName"))
        issuer.text = certificate.issuer.rfc4514_string()
        serial = etree.SubElement(issuer_serial, _q(DS_NS, "X509SerialNumber"))
        serial.text = str(certificate.serial_number)


@dataclass(frozen=True, slots=True)
class DocumentSigner:
    """Signs documents with one set of credentials, loaded once (frozen; safe to share)."""

    credentials: SigningCredentials = field(repr=False)
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256
    max_bytes: int = DEFAULT_MAX_BYTES

    def __post_init__(self) -> None:
        if self.digest_algorithm not in SECURE_DIGEST_ALGORITHMS:
            raise ConfigurationError(f"digest {self.digest_algorithm.name} is not allowed")

    @property
    def signature_method(self) -> SignatureMethod:
        if isinstance(self.credentials.private_key, ec.EllipticCurvePrivateKey):
            return SignatureMethod.ECDSA_SHA256
        return SignatureMethod.RSA_SHA256

    def sign(self, document: bytes, kind: SignatureKind = SignatureKind.XMLDSIG) -> bytes:
        """The document with one enveloped signature of ``kind`` added (UTF-8, with declaration)."""
        root = parse_xml(document, max_bytes=self.max_bytes)
        if find_signatures(root):
            raise InputError("the document is already signed (it contains a ds:Signature)")
        ubl = is_ubl(root)
        if ubl:
            _insert_ubl_placeholder(root, kind)
        signed = self._signer(kind, ubl=ubl).sign(
            root,
            key=self.credentials.private_key,
            cert=list(self.credentials.chain),
            always_add_key_value=False,
        )
        result: bytes = etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
        return result

    def _signer(self, kind: SignatureKind, *, ubl: bool) -> XMLSigner:
        # signxml signers keep per-call state, so one is made per signature (cheap).
        options: dict[str, Any] = {
            "signature_algorithm": self.signature_method,
            "digest_algorithm": self.digest_algorithm,
        }
        if kind is SignatureKind.XADES_BES:
            # signxml 5.2 digests SignedProperties inconsistently under exc-c14n (the signature
            # then never verifies), so XAdES keeps its default, Canonical XML 1.1.
            return _Xades132Signer(**options) if ubl else XAdESSigner(**options)
        return XMLSigner(
            c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0, **options
        )


@dataclass(frozen=True, slots=True)
class VerifiedDocument:
    """What a valid signature covers. Process ``signed_bytes``/``root``, nothing else."""

    signed_bytes: bytes = field(repr=False)
    root: etree._Element = field(repr=False)
    kind: SignatureKind
    signer: x509.Certificate
    signing_time: datetime | None = None


class _XmlDsigVerifier(AnchoredVerifierMixin, XMLVerifier):
    def __init__(self, trust: SignerTrust) -> None:
        super().__init__()
        self.trust = trust


class _XadesVerifier(AnchoredVerifierMixin, XAdESVerifier):
    def __init__(self, trust: SignerTrust) -> None:
        super().__init__()
        self.trust = trust


@dataclass(frozen=True, slots=True)
class DocumentVerifier:
    """Verifies enveloped document signatures against one ``SignerTrust`` (frozen; shareable).

    ``signature_methods``/``digest_algorithms`` default to the secure sets; only the SMP client
    passes the SMP sets (SHA-1 allowed), by name.
    """

    trust: SignerTrust
    max_bytes: int = DEFAULT_MAX_BYTES
    signature_methods: frozenset[SignatureMethod] = SECURE_SIGNATURE_METHODS
    digest_algorithms: frozenset[DigestAlgorithm] = SECURE_DIGEST_ALGORITHMS

    def detect(self, document: bytes) -> SignatureKind | None:
        """The kind of the document's signature, None if unsigned."""
        return detect_kind(parse_xml(document, max_bytes=self.max_bytes))

    def verify(self, document: bytes) -> VerifiedDocument:
        """Verify the one signature of ``document`` or raise ``SignatureRejected``."""
        root = parse_xml(document, max_bytes=self.max_bytes)
        kind = detect_kind(root)
        if kind is None:
            raise SignatureRejected(SIG_MISSING, "the document is not signed (no ds:Signature)")
        if len(find_signatures(root)) != 1:
            raise SignatureRejected(SIG_SCOPE, "exactly one ds:Signature is allowed per document")
        check_algorithms(
            find_signatures(root)[0], self.signature_methods, self.digest_algorithms
        )
        pinned = self._pinned_signer(root) if self.trust.pinned else None
        results = self._verify_once(root, kind, pinned)
        return self._document_result(results, kind, pinned)

    def _pinned_signer(self, root: etree._Element) -> x509.Certificate:
        """The pinned certificate to verify with: the embedded signer must be one of the pins."""
        embedded = embedded_certificates(find_signatures(root)[0])
        if not embedded and len(self.trust.pinned) == 1:
            return self.trust.pinned[0]
        for candidate in self.trust.pinned:
            if candidate in embedded:
                return candidate
        names = ", ".join(cert.subject.rfc4514_string() for cert in embedded) or "none"
        raise SignatureRejected(
            SIG_UNTRUSTED,
            f"signed with a certificate that is not pinned for this partner ({names})",
        )

    def _verify_once(
        self, root: etree._Element, kind: SignatureKind, pinned: x509.Certificate | None
    ) -> list[Any]:
        xades = kind is SignatureKind.XADES_BES
        config_class = XAdESSignatureConfiguration if xades else SignatureConfiguration
        config = config_class(
            location=".//",
            expect_references=3 if xades else 1,
            signature_methods=self.signature_methods,
            digest_algorithms=self.digest_algorithms,
            verification_time=self.trust.verification_time,
        )
        verifier = _XadesVerifier(self.trust) if xades else _XmlDsigVerifier(self.trust)
        try:
            result = verifier.verify(root, x509_cert=pinned, expect_config=config)
        except (SignXMLException, ValueError) as exc:
            raise _rejection(exc) from None
        return result if isinstance(result, list) else [result]

    def _document_result(
        self, results: list[Any], kind: SignatureKind, pinned: x509.Certificate | None
    ) -> VerifiedDocument:
        signature = results[0].signature_xml
        uris = [
            ref.get("URI")
            for ref in signature.iterfind(f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}Reference")
        ]
        whole = [index for index, uri in enumerate(uris) if uri == ""]
        if len(whole) != 1 or not _has_enveloped_transform(signature, whole[0]):
            raise SignatureRejected(
                SIG_SCOPE, 'the signature must cover the whole document (one Reference URI="")'
            )
        signed = results[whole[0]]
        signer = (
            self._pinned_signer(signature.getroottree().getroot()) if self.trust.pinned else None
        )
        signer = signer or _signer_certificate(signed.signature_key, signature)
        return VerifiedDocument(
            signed_bytes=signed.signed_data,
            root=parse_xml(signed.signed_data, max_bytes=self.max_bytes),
            kind=kind,
            signer=signer,
            signing_time=_signing_time(results) if kind is SignatureKind.XADES_BES else None,
        )


def detect_kind(root: etree._Element) -> SignatureKind | None:
    signatures = find_signatures(root)
    if not signatures:
        return None
    if any(True for _ in signatures[0].iter(_q(XADES_NS, "SignedProperties"))):
        return SignatureKind.XADES_BES
    return SignatureKind.XMLDSIG


def check_algorithms(
    signature: etree._Element,
    signature_methods: frozenset[SignatureMethod],
    digest_algorithms: frozenset[DigestAlgorithm],
) -> None:
    """Refuse (GW-SIG-ALGORITHM) any SignatureMethod or DigestMethod outside the allowed sets,
    including XAdES CertDigest, which binds the signer certificate (SHA-1 there would allow a
    certificate substitution)."""
    allowed_methods = {method.value for method in signature_methods}
    allowed_digests = {digest.value for digest in digest_algorithms}
    for element in signature.iter(_q(DS_NS, "SignatureMethod")):
        if element.get("Algorithm") not in allowed_methods:
            raise SignatureRejected(
                SIG_ALGORITHM, f"signature method {element.get('Algorithm')} is not allowed"
            )
    for element in signature.iter(_q(DS_NS, "DigestMethod")):
        if element.get("Algorithm") not in allowed_digests:
            raise SignatureRejected(
                SIG_ALGORITHM, f"digest method {element.get('Algorithm')} is not allowed"
            )


def _has_enveloped_transform(signature: etree._Element, index: int) -> bool:
    reference = signature.findall(f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}Reference")[index]
    algorithms = [t.get("Algorithm") for t in reference.iter(_q(DS_NS, "Transform"))]
    return ENVELOPED_TRANSFORM in algorithms


def embedded_certificates(signature: etree._Element) -> list[x509.Certificate]:
    """The certificates in the signature's X509Data (unreadable ones are skipped)."""
    certificates = []
    for element in signature.iter(_q(DS_NS, "X509Certificate")):
        with contextlib.suppress(ValueError):
            certificates.append(x509.load_der_x509_certificate(_b64(element.text or "")))
    return certificates


def _spki(key: object) -> bytes:
    assert isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey)
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _signer_certificate(signature_key: bytes, signature: etree._Element) -> x509.Certificate:
    """The embedded certificate whose public key verified the signature."""
    key_der = _spki(serialization.load_pem_public_key(signature_key))
    for certificate in embedded_certificates(signature):
        if _spki(certificate.public_key()) == key_der:
            return certificate
    raise SignatureRejected(SIG_UNTRUSTED, "the signing certificate is not in the signature")


def _b64(text: str) -> bytes:
    return base64.b64decode("".join(text.split()), validate=True)


def _signing_time(results: list[Any]) -> datetime | None:
    for result in results:
        properties = getattr(result, "signed_properties", None)
        if properties is not None:
            element = properties.find(f"{{{XADES_NS}}}SigningTime")
            if element is not None and element.text:
                return datetime.fromisoformat(element.text.strip())
    return None


def _rejection(exc: Exception) -> SignatureRejected:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, InvalidCertificate) or (
        "certificate" in text.lower() and not isinstance(exc, InvalidDigest)
    ):
        return SignatureRejected(SIG_UNTRUSTED, f"signer not trusted: {text}")
    if "forbidden by configuration" in text or "is not a valid" in text:
        return SignatureRejected(SIG_ALGORITHM, f"algorithm not allowed: {text}")
    if isinstance(exc, InvalidDigest):
        return SignatureRejected(SIG_INVALID, f"the document was altered after signing: {text}")
    if isinstance(exc, InvalidInput):
        return SignatureRejected(SIG_INVALID, f"malformed signature: {text}")
    return SignatureRejected(SIG_INVALID, f"signature does not verify: {text}")
