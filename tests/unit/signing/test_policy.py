"""Per-partner signing policy: outbound signing and the inbound rules (GW-SIG-*)."""

from __future__ import annotations

import pytest

from gateway.errors import ConfigurationError
from gateway.findings import Severity
from gateway.signing import pki
from gateway.signing.document import DocumentSigner, DocumentVerifier, SignatureKind
from gateway.signing.errors import (
    SIG_INVALID,
    SIG_KIND,
    SIG_MISSING,
    SIG_UNCHECKED,
    SignatureRejected,
)
from gateway.signing.policy import SignatureMode, SigningPolicy, check_inbound, sign_outbound
from gateway.signing.trust import SignerTrust


@pytest.fixture(scope="module")
def signer(partner: pki.IssuedCertificate) -> DocumentSigner:
    return DocumentSigner(partner.credentials())


@pytest.fixture(scope="module")
def verifier(partner: pki.IssuedCertificate) -> DocumentVerifier:
    return DocumentVerifier(SignerTrust(pinned=(partner.certificate,)))


def test_default_policy_signs_nothing_and_requires_nothing(invoice: bytes) -> None:
    policy = SigningPolicy()
    assert sign_outbound(policy, None, invoice) is invoice
    assert check_inbound(policy, None, invoice).document is invoice


@pytest.mark.parametrize("mode", [SignatureMode.XMLDSIG, SignatureMode.XADES_BES])
def test_outbound_signature_of_the_configured_kind(
    mode: SignatureMode, signer: DocumentSigner, verifier: DocumentVerifier, invoice: bytes
) -> None:
    signed = sign_outbound(SigningPolicy(outbound=mode), signer, invoice)
    assert verifier.verify(signed).kind is mode.kind


def test_outbound_signing_without_key_is_a_configuration_error(invoice: bytes) -> None:
    with pytest.raises(ConfigurationError, match="no signing key"):
        sign_outbound(SigningPolicy(outbound=SignatureMode.XMLDSIG), None, invoice)


def test_required_signature_missing_is_rejected(verifier: DocumentVerifier, invoice: bytes) -> None:
    with pytest.raises(SignatureRejected) as caught:
        check_inbound(SigningPolicy(require_inbound=True), verifier, invoice)
    assert caught.value.rule_id == SIG_MISSING
    assert caught.value.http_status == 422


def test_required_signature_needs_trust() -> None:
    with pytest.raises(ConfigurationError, match="no trust"):
        check_inbound(SigningPolicy(require_inbound=True), None, b"<a/>")


def test_valid_signature_hands_on_the_signed_bytes(
    signer: DocumentSigner, verifier: DocumentVerifier, invoice: bytes
) -> None:
    signed = signer.sign(invoice, SignatureKind.XADES_BES)
    result = check_inbound(SigningPolicy(require_inbound=True), verifier, signed)
    assert result.verified is not None
    assert result.document == result.verified.signed_bytes
    assert result.findings == ()


def test_tampered_document_is_rejected_even_when_not_required(
    signer: DocumentSigner, verifier: DocumentVerifier, invoice: bytes
) -> None:
    signed = signer.sign(invoice).replace(b">1656.25<", b">1.00<")
    with pytest.raises(SignatureRejected) as caught:
        check_inbound(SigningPolicy(), verifier, signed)
    assert caught.value.rule_id == SIG_INVALID


def test_kind_not_accepted_is_rejected(
    signer: DocumentSigner, verifier: DocumentVerifier, invoice: bytes
) -> None:
    policy = SigningPolicy(
        require_inbound=True, accepted_kinds=frozenset({SignatureKind.XADES_BES})
    )
    with pytest.raises(SignatureRejected) as caught:
        check_inbound(policy, verifier, signer.sign(invoice, SignatureKind.XMLDSIG))
    assert caught.value.rule_id == SIG_KIND


def test_signature_without_trust_is_kept_with_a_warning(
    signer: DocumentSigner, invoice: bytes
) -> None:
    signed = signer.sign(invoice)
    result = check_inbound(SigningPolicy(), None, signed)
    assert result.verified is None
    assert result.document is signed
    [warning] = result.findings
    assert (warning.rule_id, warning.severity) == (SIG_UNCHECKED, Severity.WARNING)


def test_policy_from_partner_configuration() -> None:
    policy = SigningPolicy.from_mapping(
        {"outbound": "xades-bes", "require_inbound": True, "accepted_kinds": ["xades-bes"]}
    )
    assert policy == SigningPolicy(
        outbound=SignatureMode.XADES_BES,
        require_inbound=True,
        accepted_kinds=frozenset({SignatureKind.XADES_BES}),
    )
    assert SigningPolicy.from_mapping({}) == SigningPolicy()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outbound": "pgp"}, "pgp"),
        ({"require_inbound": "yes"}, "true or false"),
        ({"accepted_kinds": "xmldsig"}, "must be a list"),
        ({"accepted_kinds": []}, "must not be empty"),
        ({"sign": True}, "unknown key"),
    ],
)
def test_policy_configuration_errors_name_the_field(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        SigningPolicy.from_mapping(data)
