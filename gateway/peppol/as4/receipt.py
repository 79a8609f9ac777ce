"""AS4 receipts with non-repudiation (ebMS 3.0 §5.2.3.3, ebBP signals 2.0; peppol-as4.md §1.6)
and Error signals (ebMS 3.0 §6.2).

The sender's duties for a receipt, all in ``verify_receipt``: the signature verifies with the
receiver certificate taken from the SMP (byte-equal, like ``as4``'s ``expected_signer``) and
covers Messaging and Body; ``RefToMessageId`` is the message we sent; every
``MessagePartNRInformation`` reference equals, by URI, digest method and value, a reference of
the signature we sent, and every reference we sent is acknowledged.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from lxml import etree

from gateway.errors import InputError
from gateway.peppol.as4.constants import DS_NS, EB_NS, EBBP_NS, SOAP12_NS
from gateway.peppol.as4.errors import (
    INVALID_RECEIPT,
    VALUE_INCONSISTENT,
    As4Rejected,
    RemoteEbmsError,
)
from gateway.peppol.as4.wssec import SignedReference, verify_ws_signature
from gateway.xml.parser import parse_xml

MAX_SIGNAL_BYTES = 1024 * 1024


def _q(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


@dataclass(frozen=True, slots=True)
class NrReference:
    uri: str
    digest_method: str
    digest_value: bytes


@dataclass(frozen=True, slots=True)
class VerifiedReceipt:
    message_id: str
    ref_to_message_id: str
    timestamp: str
    signer: x509.Certificate
    acknowledged: tuple[NrReference, ...]


@dataclass(frozen=True, slots=True)
class EbmsErrorEntry:
    error_code: str
    severity: str
    category: str | None
    short_description: str | None
    ref_to_message_in_error: str | None
    detail: str | None


def parse_envelope(body: bytes) -> etree._Element:
    try:
        return parse_xml(body, max_bytes=MAX_SIGNAL_BYTES)
    except InputError as exc:
        raise As4Rejected(INVALID_RECEIPT, f"signal is not readable XML: {exc.message}") from None


def signal_message(envelope: etree._Element) -> etree._Element:
    signal = envelope.find(
        f"{_q(SOAP12_NS, 'Header')}/{_q(EB_NS, 'Messaging')}/{_q(EB_NS, 'SignalMessage')}"
    )
    if signal is None:
        raise As4Rejected(INVALID_RECEIPT, "no eb:Messaging/eb:SignalMessage in the response")
    return signal


def _nr_references(receipt: etree._Element) -> tuple[NrReference, ...]:
    references = []
    path = f"{_q(EBBP_NS, 'NonRepudiationInformation')}/{_q(EBBP_NS, 'MessagePartNRInformation')}"
    for part in receipt.iterfind(path):
        reference = part.find(_q(DS_NS, "Reference"))
        if reference is None:
            continue
        method = reference.find(_q(DS_NS, "DigestMethod"))
        try:
            value = base64.b64decode((reference.findtext(_q(DS_NS, "DigestValue")) or "").strip())
        except binascii.Error:
            raise As4Rejected(INVALID_RECEIPT, "NRI DigestValue is not base64") from None
        references.append(
            NrReference(
                reference.get("URI") or "",
                method.get("Algorithm", "") if method is not None else "",
                value,
            )
        )
    return tuple(references)


def verify_receipt(
    body: bytes,
    *,
    expected_signer: x509.Certificate,
    sent_message_id: str,
    sent_references: Sequence[SignedReference] | None = None,
) -> VerifiedReceipt:
    """Verify a synchronous receipt; an Error signal is raised as ``RemoteEbmsError``."""
    envelope = parse_envelope(body)
    signal = signal_message(envelope)
    errors = parse_errors(signal)
    if errors:
        raise error_signal_to_exception(errors)

    def check_signer(certificate: x509.Certificate) -> None:
        if certificate != expected_signer:
            raise As4Rejected(
                INVALID_RECEIPT,
                f"receipt signed by {certificate.subject.rfc4514_string()}, not by the "
                f"receiver's SMP certificate {expected_signer.subject.rfc4514_string()}",
            )

    try:
        signature = verify_ws_signature(envelope, check_signer=check_signer)
    except As4Rejected as exc:
        raise As4Rejected(INVALID_RECEIPT, exc.reason) from None
    info = signal.find(_q(EB_NS, "MessageInfo"))
    receipt = signal.find(_q(EB_NS, "Receipt"))
    if info is None or receipt is None:
        raise As4Rejected(INVALID_RECEIPT, "SignalMessage without MessageInfo and Receipt")
    ref_to = (info.findtext(_q(EB_NS, "RefToMessageId")) or "").strip()
    if ref_to != sent_message_id:
        raise As4Rejected(INVALID_RECEIPT, f"receipt refers to {ref_to!r}, not {sent_message_id!r}")
    acknowledged = _nr_references(receipt)
    if sent_references is not None:
        _check_non_repudiation(acknowledged, sent_references)
    return VerifiedReceipt(
        message_id=(info.findtext(_q(EB_NS, "MessageId")) or "").strip(),
        ref_to_message_id=ref_to,
        timestamp=(info.findtext(_q(EB_NS, "Timestamp")) or "").strip(),
        signer=signature.signer,
        acknowledged=acknowledged,
    )


def _check_non_repudiation(
    acknowledged: Sequence[NrReference], sent: Sequence[SignedReference]
) -> None:
    expected = {(r.uri, r.digest_method, r.digest_value) for r in sent}
    received = {(r.uri, r.digest_method, r.digest_value) for r in acknowledged}
    if expected != received:
        missing = sorted(uri for uri, _, _ in expected - received)
        extra = sorted(uri for uri, _, _ in received - expected)
        raise As4Rejected(
            VALUE_INCONSISTENT if not missing else INVALID_RECEIPT,
            f"NonRepudiationInformation does not match what was sent "
            f"(unacknowledged {missing}, unexpected {extra})",
        )


def parse_errors(signal: etree._Element) -> list[EbmsErrorEntry]:
    entries = []
    for error in signal.iterfind(_q(EB_NS, "Error")):
        entries.append(
            EbmsErrorEntry(
                error_code=error.get("errorCode", ""),
                severity=error.get("severity", ""),
                category=error.get("category"),
                short_description=error.get("shortDescription"),
                ref_to_message_in_error=error.get("refToMessageInError"),
                detail=(error.findtext(_q(EB_NS, "ErrorDetail")) or "").strip() or None,
            )
        )
    return entries


def error_signal_to_exception(errors: Sequence[EbmsErrorEntry]) -> RemoteEbmsError:
    """The first failure-severity error decides (warnings alone are not a refusal)."""
    failures = [e for e in errors if e.severity.lower() != "warning"] or list(errors)
    first = failures[0]
    message = f"{first.error_code} {first.short_description or ''}".strip()
    if first.detail:
        message += f": {first.detail}"
    return RemoteEbmsError(first.error_code, message, detail=first.detail)


def parse_error_signal(body: bytes) -> list[EbmsErrorEntry]:
    """Error entries of an (unsigned or signed) Error signal; signature checks are separate."""
    return parse_errors(signal_message(parse_envelope(body)))


def timestamp_of(receipt: VerifiedReceipt) -> datetime | None:
    try:
        return datetime.fromisoformat(receipt.timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
