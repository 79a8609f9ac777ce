"""The exchange engine's side of signing policies: partner settings, the inbound check, and
the verified content handed to validation (gateway.exchange.signatures, gateway.partners)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from gateway.errors import ConfigurationError, InputError
from gateway.exchange.analysis import JSON_MEDIA_TYPE, XML_MEDIA_TYPE
from gateway.exchange.signatures import check_inbound_document, without_signature_container
from gateway.partners.signing import check_partner_settings
from gateway.settings import Settings
from gateway.signing import (
    DocumentSigner,
    DocumentVerifier,
    SignatureKind,
    SignatureRejected,
    SignerTrust,
    SigningPolicy,
    pki,
)
from gateway.signing.document import EXT_NS

REQUIRED = SigningPolicy(require_inbound=True)
CBC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


@pytest.fixture(scope="module")
def verifier(partner: pki.IssuedCertificate) -> DocumentVerifier:
    return DocumentVerifier(SignerTrust(pinned=(partner.certificate,)))


@pytest.mark.parametrize("kind", list(SignatureKind))
def test_verified_content_drops_the_emptied_signature_container(
    invoice: bytes, partner: pki.IssuedCertificate, verifier: DocumentVerifier,
    kind: SignatureKind,
) -> None:
    signed = DocumentSigner(partner.credentials()).sign(invoice, kind)
    checked = check_inbound_document(REQUIRED, verifier, signed, XML_MEDIA_TYPE)
    assert checked.verified is not None
    assert checked.verified.kind is kind
    root = etree.fromstring(checked.document)
    assert root.find(f"{{{EXT_NS}}}UBLExtensions") is None
    assert root.findtext(f"{{{CBC_NS}}}ID") == "Snippet1"


def test_other_extensions_are_kept() -> None:
    document = (
        f'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        f'xmlns:ext="{EXT_NS}"><ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent>'
        f'<x xmlns="urn:example">kept</x></ext:ExtensionContent></ext:UBLExtension>'
        f'</ext:UBLExtensions></Invoice>'
    ).encode()
    assert b"kept" in without_signature_container(etree.fromstring(document))


def test_tampered_document_is_refused(
    invoice: bytes, partner: pki.IssuedCertificate, verifier: DocumentVerifier
) -> None:
    signed = DocumentSigner(partner.credentials()).sign(invoice, SignatureKind.XADES_BES)
    with pytest.raises(SignatureRejected) as caught:
        check_inbound_document(SigningPolicy(), verifier,
                               signed.replace(b">1656.25<", b">1.50<"), XML_MEDIA_TYPE)
    assert caught.value.rule_id == "GW-SIG-INVALID"


def test_unsigned_document_without_policy_passes_untouched(invoice: bytes) -> None:
    checked = check_inbound_document(SigningPolicy(), None, invoice, XML_MEDIA_TYPE)
    assert checked.document is invoice
    assert checked.verified is None


@pytest.mark.parametrize(("raw", "media_type"), [
    (b'{"id": "1"}', JSON_MEDIA_TYPE),
    (b"<Invoice><unclosed></Invoice>", XML_MEDIA_TYPE),
])
def test_required_signature_refuses_json_and_unreadable_xml(
    raw: bytes, media_type: str, verifier: DocumentVerifier
) -> None:
    with pytest.raises(SignatureRejected) as caught:
        check_inbound_document(REQUIRED, verifier, raw, media_type)
    assert caught.value.rule_id == "GW-SIG-MISSING"


def test_required_signature_without_partner_certificates_is_untrusted(invoice: bytes) -> None:
    with pytest.raises(SignatureRejected) as caught:
        check_inbound_document(REQUIRED, None, invoice, XML_MEDIA_TYPE)
    assert caught.value.rule_id == "GW-SIG-UNTRUSTED"


@pytest.mark.parametrize("settings", [
    {"signing": {"outbound": "rsa-sha1"}},
    {"signing": {"require_inbound": "yes"}},
    {"signing": {"accepted_kinds": []}},
    {"signing": {"unknown": 1}},
    {"signing": "xades-bes"},
])
def test_invalid_partner_signing_settings_are_input_errors(settings: dict[str, object]) -> None:
    with pytest.raises(InputError, match=r"settings\.signing"):
        check_partner_settings(settings)


def test_valid_partner_settings_pass() -> None:
    check_partner_settings(None)
    check_partner_settings({"other": 1})
    check_partner_settings({"signing": {"outbound": "xades-bes", "require_inbound": True,
                                        "accepted_kinds": ["xades-bes"]}})


def test_signing_key_needs_its_certificate(tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    key.write_bytes(b"x")
    with pytest.raises(ConfigurationError, match="signing_cert_file"):
        Settings(data_dir=tmp_path, signing_key_file=key).validated()


def test_app_refuses_to_start_with_a_key_that_does_not_match_its_certificate(
    tmp_path: Path, dev_pki: pki.DevPki, partner: pki.IssuedCertificate
) -> None:
    from gateway.app import create_app

    key, cert = tmp_path / "signing.key", tmp_path / "signing.crt"
    key.write_bytes(dev_pki.entries["partners/partner-b"].key_pem())
    cert.write_bytes(partner.chain_pem())
    settings = Settings(data_dir=tmp_path, signing_key_file=key, signing_cert_file=cert)
    with pytest.raises(ConfigurationError, match="does not match"):
        create_app(settings.validated())
