"""Per-partner document-signature policy: what we sign outbound, what we require inbound.

``SigningPolicy`` is frozen configuration (DESIGN.md §8). ``sign_outbound`` and
``check_inbound`` are the two operations the exchange layer calls; the verifier and signer
are built once per partner (keys and trust loaded once) and passed in.

Inbound rules:

* ``require_inbound``: an unsigned document is refused (GW-SIG-MISSING), and so is a
  signature of a kind outside ``accepted_kinds`` (GW-SIG-KIND).
* a signature that is present is always verified when trust is configured, required or not:
  a tampered document is refused (GW-SIG-INVALID) even from a partner that need not sign.
* a signature present without configured trust cannot be checked: the document is kept
  as received with a GW-SIG-UNCHECKED warning (never treated as verified).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from gateway.errors import ConfigurationError
from gateway.findings import Finding
from gateway.signing.document import (
    DocumentSigner,
    DocumentVerifier,
    SignatureKind,
    VerifiedDocument,
    detect_kind,
)
from gateway.signing.errors import (
    SIG_KIND,
    SIG_MISSING,
    SIG_UNCHECKED,
    SignatureRejected,
    signature_finding,
)
from gateway.xml.parser import parse_xml


class SignatureMode(StrEnum):
    NONE = "none"
    XMLDSIG = "xmldsig"
    XADES_BES = "xades-bes"

    @property
    def kind(self) -> SignatureKind | None:
        return None if self is SignatureMode.NONE else SignatureKind(self.value)


ALL_KINDS = frozenset(SignatureKind)


@dataclass(frozen=True, slots=True)
class SigningPolicy:
    """``outbound``: the signature we add; ``require_inbound``: documents must arrive signed."""

    outbound: SignatureMode = SignatureMode.NONE
    require_inbound: bool = False
    accepted_kinds: frozenset[SignatureKind] = field(default=ALL_KINDS)

    def __post_init__(self) -> None:
        object.__setattr__(self, "accepted_kinds", frozenset(self.accepted_kinds))
        if not self.accepted_kinds:
            raise ConfigurationError("signing policy: accepted_kinds must not be empty")

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> SigningPolicy:
        """From partner configuration: ``{"outbound": "xades-bes", "require_inbound": true,
        "accepted_kinds": ["xades-bes"]}``; unknown keys are refused."""
        unknown = set(data) - {"outbound", "require_inbound", "accepted_kinds"}
        if unknown:
            raise ConfigurationError(f"signing policy: unknown key(s) {sorted(unknown)}")
        try:
            outbound = SignatureMode(str(data.get("outbound", "none")))
            kinds_value = data.get("accepted_kinds", [k.value for k in SignatureKind])
            if not isinstance(kinds_value, list | tuple):
                raise ValueError("accepted_kinds must be a list")
            kinds = frozenset(SignatureKind(str(kind)) for kind in kinds_value)
        except ValueError as exc:
            raise ConfigurationError(f"signing policy: {exc}") from None
        require = data.get("require_inbound", False)
        if not isinstance(require, bool):
            raise ConfigurationError("signing policy: require_inbound must be true or false")
        return cls(outbound=outbound, require_inbound=require, accepted_kinds=kinds)


@dataclass(frozen=True, slots=True)
class InboundSignatureResult:
    """The bytes to process next, and the verified signature when there was one."""

    document: bytes = field(repr=False)
    verified: VerifiedDocument | None = None
    findings: tuple[Finding, ...] = ()


def sign_outbound(policy: SigningPolicy, signer: DocumentSigner | None, document: bytes) -> bytes:
    """The document as it must leave for this partner (signed when the policy says so)."""
    kind = policy.outbound.kind
    if kind is None:
        return document
    if signer is None:
        raise ConfigurationError(f"signing policy requires {kind.value} but no signing key is set")
    return signer.sign(document, kind)


def check_inbound(
    policy: SigningPolicy, verifier: DocumentVerifier | None, document: bytes
) -> InboundSignatureResult:
    """Apply the inbound rules above; raises ``SignatureRejected`` with a finding on refusal."""
    if policy.require_inbound and verifier is None:
        raise ConfigurationError("signing policy requires inbound signatures but no trust is set")
    kind = detect_kind(parse_xml(document))
    if kind is None:
        if policy.require_inbound:
            raise SignatureRejected(SIG_MISSING, "this partner must sign its documents")
        return InboundSignatureResult(document)
    if kind not in policy.accepted_kinds:
        accepted = ", ".join(sorted(k.value for k in policy.accepted_kinds))
        raise SignatureRejected(SIG_KIND, f"{kind.value} signature; accepted: {accepted}")
    if verifier is None:
        warning = signature_finding(
            SIG_UNCHECKED, "signed, but no signer trust is configured: not verified", fatal=False
        )
        return InboundSignatureResult(document, findings=(warning,))
    verified = verifier.verify(document)
    return InboundSignatureResult(verified.signed_bytes, verified)
