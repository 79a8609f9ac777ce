"""Rule ids and the error raised when a document signature is refused.

The rule id is the key (DESIGN.md habit 3): every refusal carries exactly one Finding in the
RULES layer naming why, so the API renders it like any other validation failure (422).
"""

from __future__ import annotations

from gateway.errors import DocumentInvalid
from gateway.findings import Finding, Layer, Severity

SIG_MISSING = "GW-SIG-MISSING"  # the partner's policy requires a signature and there is none
SIG_INVALID = "GW-SIG-INVALID"  # digest or signature value does not match: altered after signing
SIG_ALGORITHM = "GW-SIG-ALGORITHM"  # an algorithm outside algorithms.SECURE_* was used
SIG_UNTRUSTED = "GW-SIG-UNTRUSTED"  # signer certificate not pinned / not chaining / expired
SIG_SCOPE = "GW-SIG-SCOPE"  # the signature does not cover the whole document
SIG_KIND = "GW-SIG-KIND"  # a signature of a kind the policy does not accept (e.g. not XAdES)
SIG_UNCHECKED = "GW-SIG-UNCHECKED"  # warning: signed, but no trust configured to check it


def signature_finding(rule_id: str, message: str, *, fatal: bool = True) -> Finding:
    return Finding(
        rule_id=rule_id,
        severity=Severity.FATAL if fatal else Severity.WARNING,
        layer=Layer.RULES,
        message=message,
        xpath="//ds:Signature" if rule_id != SIG_MISSING else "/*",
    )


class SignatureRejected(DocumentInvalid):
    """A signed document failed verification; ``rule_id`` and the finding say why."""

    code = "signature-rejected"

    def __init__(self, rule_id: str, message: str) -> None:
        super().__init__(message, findings=[signature_finding(rule_id, message)])
        self.rule_id = rule_id
