"""Enveloped XML-DSig and XAdES-BES over a real Peppol invoice: sign, verify, refuse tampering."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml.algorithms import SignatureMethod
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier
from signxml.xades.xades import XAdESVerifier

from gateway.errors import InputError
from gateway.findings import Layer, Severity
from gateway.signing import pki
from gateway.signing.document import (
    DS_NS,
    EXT_NS,
    DocumentSigner,
    DocumentVerifier,
    SignatureKind,
)
from gateway.signing.errors import (
    SIG_ALGORITHM,
    SIG_INVALID,
    SIG_MISSING,
    SIG_SCOPE,
    SIG_UNTRUSTED,
    SignatureRejected,
)
from gateway.signing.trust import SignerTrust

KINDS = list(SignatureKind)


@pytest.fixture(scope="module")
def signer(partner: pki.IssuedCertificate) -> DocumentSigner:
    return DocumentSigner(partner.credentials())


@pytest.fixture(scope="module")
def anchored(dev_pki: pki.DevPki) -> DocumentVerifier:
    return DocumentVerifier(SignerTrust(anchors=(dev_pki.root.certificate,)))


@pytest.fixture(scope="module")
def signed(signer: DocumentSigner, invoice: bytes) -> dict[SignatureKind, bytes]:
    return {kind: signer.sign(invoice, kind) for kind in KINDS}


def _rejected(verifier: DocumentVerifier, document: bytes) -> str:
    with pytest.raises(SignatureRejected) as caught:
        verifier.verify(document)
    [finding] = caught.value.findings
    assert finding.severity is Severity.FATAL
    assert finding.layer is Layer.RULES
    assert finding.rule_id == caught.value.rule_id
    return finding.rule_id


@pytest.mark.parametrize("kind", KINDS)
def test_signature_sits_in_ubl_extensions(
    signed: dict[SignatureKind, bytes], kind: SignatureKind
) -> None:
    root = etree.fromstring(signed[kind])
    assert root[0].tag == f"{{{EXT_NS}}}UBLExtensions"
    [signature] = root.iter(f"{{{DS_NS}}}Signature")
    assert signature.getparent().tag.endswith("SignatureInformation")
    method = signature.find(f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}SignatureMethod")
    assert method.get("Algorithm") == SignatureMethod.RSA_SHA256.value


@pytest.mark.parametrize("kind", KINDS)
def test_signed_invoice_stays_schema_valid(
    signed: dict[SignatureKind, bytes], kind: SignatureKind, standards_dir: Path
) -> None:
    xsd = standards_dir / "ubl-2.1/xsdrt/maindoc/UBL-Invoice-2.1.xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    document = etree.fromstring(signed[kind])
    assert schema.validate(document), schema.error_log


@pytest.mark.parametrize("kind", KINDS)
def test_verifies_against_anchors_and_returns_only_signed_content(
    signed: dict[SignatureKind, bytes],
    anchored: DocumentVerifier,
    kind: SignatureKind,
    partner: pki.IssuedCertificate,
    invoice: bytes,
) -> None:
    verified = anchored.verify(signed[kind])
    assert verified.kind is kind
    assert verified.signer == partner.certificate
    assert b"<ds:SignatureValue" not in verified.signed_bytes
    original = etree.fromstring(invoice)
    assert verified.root.findtext(".//{*}PayableAmount") == original.findtext(".//{*}PayableAmount")
    if kind is SignatureKind.XADES_BES:
        assert verified.signing_time is not None
        assert verified.signing_time.tzinfo is not None


@pytest.mark.parametrize("kind", KINDS)
def test_verifies_against_pinned_certificate(
    signed: dict[SignatureKind, bytes], partner: pki.IssuedCertificate, kind: SignatureKind
) -> None:
    verifier = DocumentVerifier(SignerTrust(pinned=(partner.certificate,)))
    assert verifier.verify(signed[kind]).signer == partner.certificate


def test_independent_check_with_signxml(
    signed: dict[SignatureKind, bytes],
    partner: pki.IssuedCertificate,
    dev_pki: pki.DevPki,
    tmp_path: Path,
) -> None:
    anchors = tmp_path / "anchors.pem"
    anchors.write_bytes(dev_pki.root.certificate_pem())
    plain = XMLVerifier().verify(signed[SignatureKind.XMLDSIG], ca_pem_file=str(anchors))
    assert plain.signed_xml is not None
    results = XAdESVerifier().verify(signed[SignatureKind.XADES_BES], x509_cert=partner.certificate)
    assert len(results) == 3


@pytest.mark.parametrize("kind", KINDS)
def test_independent_check_with_libxmlsec1(
    signed: dict[SignatureKind, bytes], partner: pki.IssuedCertificate, kind: SignatureKind
) -> None:
    xmlsec = pytest.importorskip("xmlsec")
    root = etree.fromstring(signed[kind])
    xmlsec.tree.add_ids(root, ["Id"])
    signature = xmlsec.tree.find_node(root, xmlsec.constants.NodeSignature)
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(
        partner.certificate_pem(), xmlsec.constants.KeyDataFormatCertPem
    )
    context.verify(signature)
    tampered = etree.fromstring(signed[kind].replace(b">1656.25<", b">1.5<"))
    xmlsec.tree.add_ids(tampered, ["Id"])
    with pytest.raises(xmlsec.Error):
        context.verify(xmlsec.tree.find_node(tampered, xmlsec.constants.NodeSignature))


@pytest.mark.parametrize("kind", KINDS)
def test_tampered_amount_is_rejected(
    signed: dict[SignatureKind, bytes], anchored: DocumentVerifier, kind: SignatureKind
) -> None:
    assert b">1656.25<" in signed[kind]
    assert _rejected(anchored, signed[kind].replace(b">1656.25<", b">1.5<")) == SIG_INVALID


@pytest.mark.parametrize("kind", KINDS)
def test_tampered_signature_value_is_rejected(
    signed: dict[SignatureKind, bytes], anchored: DocumentVerifier, kind: SignatureKind
) -> None:
    root = etree.fromstring(signed[kind])
    value = root.find(f".//{{{DS_NS}}}SignatureValue")
    text = value.text.strip()
    value.text = ("A" if text[0] != "A" else "B") + text[1:]
    assert _rejected(anchored, etree.tostring(root)) == SIG_INVALID


def test_xades_signing_time_cannot_be_changed(
    signed: dict[SignatureKind, bytes], anchored: DocumentVerifier
) -> None:
    root = etree.fromstring(signed[SignatureKind.XADES_BES])
    [time] = root.iter("{*}SigningTime")
    time.text = "2001-01-01T00:00:00+00:00"
    assert _rejected(anchored, etree.tostring(root)) == SIG_INVALID


def test_unsigned_content_injected_beside_the_signature_is_not_returned(
    signed: dict[SignatureKind, bytes], anchored: DocumentVerifier
) -> None:
    """An enveloped signature excludes itself: anything hidden inside it is never handed on."""
    root = etree.fromstring(signed[SignatureKind.XMLDSIG])
    signature = next(root.iter(f"{{{DS_NS}}}Signature"))
    smuggled = etree.SubElement(signature, f"{{{DS_NS}}}Object")
    smuggled.text = "PAY-TO-ATTACKER"
    verified = anchored.verify(etree.tostring(root))
    assert b"PAY-TO-ATTACKER" not in verified.signed_bytes


def test_untrusted_ca_is_rejected(
    other_pki: pki.DevPki, anchored: DocumentVerifier, invoice: bytes
) -> None:
    intruder = DocumentSigner(other_pki.entries["partners/intruder"].credentials())
    assert _rejected(anchored, intruder.sign(invoice)) == SIG_UNTRUSTED


def test_certificate_not_pinned_is_rejected(
    other_pki: pki.DevPki, partner: pki.IssuedCertificate, invoice: bytes
) -> None:
    intruder = DocumentSigner(other_pki.entries["partners/intruder"].credentials())
    verifier = DocumentVerifier(SignerTrust(pinned=(partner.certificate,)))
    assert _rejected(verifier, intruder.sign(invoice)) == SIG_UNTRUSTED


def test_expired_certificate_is_rejected(
    signed: dict[SignatureKind, bytes], dev_pki: pki.DevPki, partner: pki.IssuedCertificate
) -> None:
    later = partner.certificate.not_valid_after_utc + timedelta(days=1)
    for trust in (
        SignerTrust(anchors=(dev_pki.root.certificate,), verification_time=later),
        SignerTrust(pinned=(partner.certificate,), verification_time=later),
    ):
        assert _rejected(DocumentVerifier(trust), signed[SignatureKind.XMLDSIG]) == SIG_UNTRUSTED


def test_sha1_signature_is_refused(
    partner: pki.IssuedCertificate, anchored: DocumentVerifier, invoice: bytes
) -> None:
    class LegacySigner(XMLSigner):
        def check_deprecated_methods(self) -> None:
            """signxml refuses to make SHA-1 signatures; a legacy sender would not."""

    legacy = LegacySigner(signature_algorithm="rsa-sha1", digest_algorithm="sha1").sign(
        etree.fromstring(invoice), key=partner.private_key, cert=[partner.certificate]
    )
    assert _rejected(anchored, etree.tostring(legacy)) == SIG_ALGORITHM


def test_unknown_signature_algorithm_is_refused(
    signed: dict[SignatureKind, bytes], anchored: DocumentVerifier
) -> None:
    document = signed[SignatureKind.XMLDSIG].replace(
        SignatureMethod.RSA_SHA256.value.encode(), b"http://www.randomcrypt.com/random"
    )
    assert _rejected(anchored, document) == SIG_ALGORITHM


def test_signature_over_part_of_the_document_is_refused(
    partner: pki.IssuedCertificate, anchored: DocumentVerifier, invoice: bytes
) -> None:
    root = etree.fromstring(invoice)
    party = root.find("{*}AccountingSupplierParty")
    party.set("Id", "supplier")
    partial = XMLSigner().sign(
        root,
        key=partner.private_key,
        cert=[partner.certificate, *partner.issuers[:-1]],
        reference_uri="#supplier",
    )
    assert _rejected(anchored, etree.tostring(partial)) == SIG_SCOPE


def test_two_signatures_are_refused(
    signed: dict[SignatureKind, bytes], anchored: DocumentVerifier
) -> None:
    root = etree.fromstring(signed[SignatureKind.XMLDSIG])
    signature = next(root.iter(f"{{{DS_NS}}}Signature"))
    root.append(etree.fromstring(etree.tostring(signature)))
    assert _rejected(anchored, etree.tostring(root)) == SIG_SCOPE


def test_unsigned_document_is_reported_missing(anchored: DocumentVerifier, invoice: bytes) -> None:
    assert _rejected(anchored, invoice) == SIG_MISSING


def test_signing_twice_is_refused(
    signer: DocumentSigner, signed: dict[SignatureKind, bytes]
) -> None:
    with pytest.raises(InputError, match="already signed"):
        signer.sign(signed[SignatureKind.XMLDSIG])


def test_non_ubl_document_gets_signature_as_last_child(
    signer: DocumentSigner, anchored: DocumentVerifier
) -> None:
    document = b"<Order xmlns='urn:example:not-ubl'><ID>1</ID></Order>"
    signed = signer.sign(document, SignatureKind.XADES_BES)
    assert etree.fromstring(signed)[-1].tag == f"{{{DS_NS}}}Signature"
    assert anchored.verify(signed).root.findtext("{urn:example:not-ubl}ID") == "1"


def test_ecdsa_credentials_sign_with_ecdsa_sha256(
    dev_pki: pki.DevPki, anchored: DocumentVerifier, invoice: bytes, now
) -> None:
    ec_leaf = pki.new_signing_certificate(dev_pki.ap_ca, "ec-partner", now=now, key_kind="ec")
    signed = DocumentSigner(ec_leaf.credentials()).sign(invoice)
    assert SignatureMethod.ECDSA_SHA256.value.encode() in signed
    assert anchored.verify(signed).signer == ec_leaf.certificate


def test_hostile_document_is_refused_before_signature_checks(anchored: DocumentVerifier) -> None:
    bomb = b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'
    with pytest.raises(InputError):
        anchored.verify(bomb)


def test_verifier_accepts_only_secure_algorithms_via_signxml_config() -> None:
    """Guard: our allowed set never contains a SHA-1 method (signxml would accept it if listed)."""
    from gateway.signing.algorithms import SECURE_DIGEST_ALGORITHMS, SECURE_SIGNATURE_METHODS

    assert not any("SHA1" in method.name for method in SECURE_SIGNATURE_METHODS)
    assert not any("SHA1" in digest.name for digest in SECURE_DIGEST_ALGORITHMS)
    assert not any(method.name.startswith(("HMAC", "DSA")) for method in SECURE_SIGNATURE_METHODS)
    assert SignatureConfiguration  # the type our verifier configures
    assert serialization
