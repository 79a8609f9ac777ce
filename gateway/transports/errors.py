"""Delivery failures: each class carries a stable ``code``, a ``wire_code`` and a retry verdict.

``code`` names the kind of failure (the worker and the API branch on it); ``wire_code`` records
what was actually observed, for the log and the exchange record: ``http:503``,
``tls:CERTIFICATE_VERIFY_FAILED``, ``os:ECONNREFUSED``, ``timeout``, ``local:<reason>``.
A later AS4 transport uses ebMS codes here (``EBMS:0301``), like phase4's ``EEbmsError``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from gateway.errors import TransportError

if TYPE_CHECKING:
    from gateway.transports.base import Receipt


class DeliveryError(TransportError):
    """A send attempt failed. Retrying is safe: the message id never changes between attempts."""

    code = "delivery-failed"
    retryable = True

    def __init__(
        self,
        message: str,
        *,
        wire_code: str,
        retryable: bool | None = None,
        remote_status: int | None = None,
        retry_after: timedelta | None = None,
        receipt: Receipt | None = None,
    ) -> None:
        super().__init__(message, retryable=retryable)
        self.wire_code = wire_code
        self.remote_status = remote_status
        self.retry_after = retry_after
        # The partner's answer (status, body, hash), kept as evidence even when it is a refusal.
        self.receipt = receipt


class ConnectionFailedError(DeliveryError):
    """DNS failure, refused or reset connection, server hung up mid-response."""

    code = "connection-failed"
    retryable = True


class DeliveryTimeoutError(DeliveryError):
    code = "timeout"
    retryable = True


class RemoteUnavailableError(DeliveryError):
    """The partner answered 5xx, 408, 425 or 429: try again later (see ``retry_after``)."""

    code = "remote-unavailable"
    retryable = True


class RemoteRejectedError(DeliveryError):
    """The partner answered 4xx: the same request will be refused again."""

    code = "remote-rejected"
    retryable = False


class UnexpectedResponseError(DeliveryError):
    """A status that is neither success nor error (1xx, 3xx: redirects are never followed)."""

    code = "unexpected-response"
    retryable = False


class TlsVerificationError(DeliveryError):
    """The server certificate does not chain to the trusted CAs or does not match the host."""

    code = "tls-verification-failed"
    retryable = False


class CertificatePinMismatchError(DeliveryError):
    """The server's public key is not one of the endpoint's pinned SubjectPublicKeyInfo hashes."""

    code = "certificate-pin-mismatch"
    retryable = False


class TlsHandshakeError(DeliveryError):
    """The TLS handshake failed for a reason other than verification (protocol, client cert)."""

    code = "tls-handshake-failed"
    retryable = False


class EndpointConfigError(DeliveryError):
    """The endpoint configuration cannot be used (unreadable CA/cert/key, bad URL)."""

    code = "endpoint-misconfigured"
    retryable = False


class UnsupportedPayloadError(DeliveryError):
    """The envelope cannot travel over this transport (for example its content type)."""

    code = "unsupported-payload"
    retryable = False


class PayloadIntegrityError(DeliveryError):
    """The stored payload no longer matches its recorded SHA-256: never send it."""

    code = "payload-checksum-mismatch"
    retryable = False
