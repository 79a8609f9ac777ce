"""ebMS errors (ebMS 3.0 core §6.7, AS4 profile §2.3, Peppol ``PEPPOL:NOT_SERVICED``).

``As4Rejected`` is what *we* detect in a message or signal (the receiver answers it as an
ebMS Error with ``ebms_code``; the sender treats an invalid receipt as EBMS:0302).
``RemoteEbmsError`` is an Error signal the *peer* sent, mapped to a retry verdict.
"""

from __future__ import annotations

from gateway.errors import InputError
from gateway.transports.errors import DeliveryError

VALUE_NOT_RECOGNIZED = "EBMS:0001"
VALUE_INCONSISTENT = "EBMS:0003"
OTHER = "EBMS:0004"
INVALID_HEADER = "EBMS:0009"
PROCESSING_MODE_MISMATCH = "EBMS:0010"
FAILED_AUTHENTICATION = "EBMS:0101"
FAILED_DECRYPTION = "EBMS:0102"
POLICY_NONCOMPLIANCE = "EBMS:0103"
MISSING_RECEIPT = "EBMS:0301"
INVALID_RECEIPT = "EBMS:0302"
DECOMPRESSION_FAILURE = "EBMS:0303"
PEPPOL_NOT_SERVICED = "PEPPOL:NOT_SERVICED"

# Codes after which resending the same message can succeed (a transient condition at the
# receiver); everything else is permanent. EBMS:0004 "Other" is what phase4 answers for
# internal failures (storage, backend), so it is retried.
RETRYABLE_CODES = frozenset({OTHER, MISSING_RECEIPT})


class As4Rejected(InputError):
    """A message or signal we refuse; ``ebms_code`` is the code to answer or record."""

    code = "as4-rejected"
    # The MessageId of the message in error, once known (refToMessageInError of the answer).
    ref_to_message_id: str | None = None

    def __init__(self, ebms_code: str, message: str, *, detail: str | None = None) -> None:
        super().__init__(f"{ebms_code}: {message}")
        self.ebms_code = ebms_code
        self.reason = message
        # The eb:ErrorDetail to answer; the reason when None (PEPPOL:NOT_SERVICED sets it).
        self.detail = detail


class NotServiced(As4Rejected):
    """The final recipient (or its document type / process) is not served by this AP: Peppol
    AS4 2.0.3 answers EBMS:0004 with ErrorDetail ``PEPPOL:NOT_SERVICED``."""

    code = "as4-not-serviced"

    def __init__(self, message: str) -> None:
        super().__init__(OTHER, message, detail=PEPPOL_NOT_SERVICED)


class RemoteEbmsError(DeliveryError):
    """The receiving AP answered with an ebMS Error signal."""

    code = "as4-error-signal"

    def __init__(self, ebms_code: str, message: str, *, detail: str | None = None) -> None:
        not_serviced = detail is not None and PEPPOL_NOT_SERVICED in detail
        super().__init__(
            message,
            wire_code=PEPPOL_NOT_SERVICED if not_serviced else ebms_code,
            retryable=(ebms_code in RETRYABLE_CODES) and not not_serviced,
        )
        self.ebms_code = ebms_code
        self.detail = detail


# ebMS 3.0 core §6.7.1 and AS4 profile §2.3: code → (short description, category).
ERROR_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    VALUE_NOT_RECOGNIZED: ("ValueNotRecognized", "Content"),
    "EBMS:0002": ("FeatureNotSupported", "Content"),
    VALUE_INCONSISTENT: ("ValueInconsistent", "Content"),
    OTHER: ("Other", "Content"),
    "EBMS:0005": ("ConnectionFailure", "Communication"),
    INVALID_HEADER: ("InvalidHeader", "Unpackaging"),
    PROCESSING_MODE_MISMATCH: ("ProcessingModeMismatch", "Processing"),
    "EBMS:0011": ("ExternalPayloadError", "Content"),
    FAILED_AUTHENTICATION: ("FailedAuthentication", "Processing"),
    FAILED_DECRYPTION: ("FailedDecryption", "Processing"),
    POLICY_NONCOMPLIANCE: ("PolicyNoncompliance", "Processing"),
    MISSING_RECEIPT: ("MissingReceipt", "Communication"),
    INVALID_RECEIPT: ("InvalidReceipt", "Communication"),
    DECOMPRESSION_FAILURE: ("DecompressionFailure", "Communication"),
}


class MissingReceiptError(DeliveryError):
    """No receipt came back (empty, non-SOAP or truncated answer, connection dropped after
    the request was written): EBMS:0301. Resending with the same MessageId is safe, the
    receiver's duplicate detection absorbs it (peppol-as4.md §1.8)."""

    code = "as4-missing-receipt"
    retryable = True


class InvalidReceiptError(DeliveryError):
    """A receipt came back but fails the sender's checks (signer, RefToMessageId, NRI):
    EBMS:0302. The message may have been delivered, so it is not resent blindly."""

    code = "as4-invalid-receipt"
    retryable = False
