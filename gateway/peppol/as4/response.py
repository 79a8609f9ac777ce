"""What the synchronous HTTP answer to a UserMessage means (I/O-free; peppol-as4.md §1.6-§1.8).

* a signed Receipt that passes the sender duties (``receipt.verify_receipt``: signer = the
  receiver's SMP certificate, ``RefToMessageId``, NRI digests = what we signed) → delivered;
* an ebMS Error signal (whatever the HTTP status; unsigned ones too, their content only ever
  stops a delivery) → ``RemoteEbmsError`` with the retry verdict of its code;
* a receipt failing those checks → ``InvalidReceiptError`` (EBMS:0302, not resent blindly);
* no signal at all: a 2xx → ``MissingReceiptError`` (EBMS:0301, resent with the same
  MessageId); another status → the HTTP transport's status verdict (5xx/408/429 retry).
"""

from __future__ import annotations

from datetime import timedelta

from cryptography import x509

from gateway.peppol.as4.constants import SOAP_CONTENT_TYPE
from gateway.peppol.as4.errors import (
    INVALID_RECEIPT,
    MISSING_RECEIPT,
    As4Rejected,
    InvalidReceiptError,
    MissingReceiptError,
    RemoteEbmsError,
)
from gateway.peppol.as4.message import OutboundMessage
from gateway.peppol.as4.mime import split_multipart
from gateway.peppol.as4.receipt import (
    VerifiedReceipt,
    parse_envelope,
    signal_message,
    verify_receipt,
)
from gateway.transports.base import Receipt
from gateway.transports.errors import DeliveryError
from gateway.transports.http_protocol import error_for_receipt

_XML_TYPES = frozenset({SOAP_CONTENT_TYPE, "application/xml", "text/xml"})


def _soap_bytes(content_type: str | None, body: bytes) -> bytes | None:
    """The SOAP envelope of the answer, or None when the answer is not SOAP at all."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "multipart/related":
        try:
            return split_multipart(content_type or "", body)[0].content
        except As4Rejected:
            return None
    if media in _XML_TYPES or (not media and body.lstrip().startswith(b"<")):
        return body
    return None


def _has_signal(soap: bytes) -> bool:
    try:
        signal_message(parse_envelope(soap))
    except As4Rejected:
        return False
    return True


def interpret_response(
    evidence: Receipt,
    *,
    message: OutboundMessage,
    expected_signer: x509.Certificate,
    retry_after: timedelta | None = None,
) -> VerifiedReceipt:
    """The verified receipt in ``evidence`` (the raw HTTP answer), or the DeliveryError it means."""
    soap = None if evidence.truncated else _soap_bytes(evidence.content_type, evidence.raw)
    if soap is None or not _has_signal(soap):
        raise _no_signal(evidence, retry_after)
    try:
        return verify_receipt(
            soap,
            expected_signer=expected_signer,
            sent_message_id=message.message_id,
            sent_references=message.signed_references,
        )
    except RemoteEbmsError as exc:
        exc.receipt = evidence
        if exc.retryable and retry_after is not None:
            exc.retry_after = retry_after
        raise
    except As4Rejected as exc:
        raise InvalidReceiptError(
            f"{message.message_id}: the receipt was refused ({exc.reason})",
            wire_code=INVALID_RECEIPT,
            remote_status=evidence.status_code,
            receipt=evidence,
        ) from None


def _no_signal(evidence: Receipt, retry_after: timedelta | None) -> DeliveryError:
    status_error = error_for_receipt(evidence, retry_after=retry_after)
    if status_error is not None:
        return status_error
    reason = "the answer was cut at the size cap" if evidence.truncated else "no ebMS signal"
    return MissingReceiptError(
        f"{evidence.message_id}: HTTP {evidence.status_code} without a receipt ({reason})",
        wire_code=MISSING_RECEIPT,
        remote_status=evidence.status_code,
        receipt=evidence,
    )
