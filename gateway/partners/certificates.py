"""Partner certificates: PEM parsing (cryptography) and expiry warnings.

An upload may hold one certificate or a chain (leaf first, as TLS and AS4 configurations
expect). A PEM block with a private key is refused: the gateway never wants a partner's key,
and a key pasted by mistake must not end up in the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from gateway.errors import InputError

DEFAULT_WARNING_WINDOW = timedelta(days=30)
MAX_PEM_BYTES = 256 * 1024

_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")


class InvalidCertificateError(InputError):
    code = "invalid-certificate"


def require_aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value.isoformat()}")
    return value.astimezone(UTC)


class ExpiryStatus(StrEnum):
    NOT_YET_VALID = "not_yet_valid"
    VALID = "valid"
    EXPIRING = "expiring"
    """Valid, but not_after falls inside the warning window."""
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    subject: str
    """RFC 4514 string, e.g. "CN=POP000001,O=Example AS,C=NO"."""
    issuer: str
    serial_number: str
    """Hex, lower case, no separators."""
    not_before: datetime
    not_after: datetime
    fingerprint_sha256: str
    """Hex, lower case, of the DER encoding."""
    pem: str
    """The certificate alone, re-encoded as PEM (normalised line endings)."""

    def expiry_status(
        self, now: datetime, warning_window: timedelta = DEFAULT_WARNING_WINDOW
    ) -> ExpiryStatus:
        return expiry_status(self.not_before, self.not_after, now, warning_window)

    def days_left(self, now: datetime) -> int:
        return (self.not_after - require_aware(now, "now")).days


def expiry_status(
    not_before: datetime,
    not_after: datetime,
    now: datetime,
    warning_window: timedelta = DEFAULT_WARNING_WINDOW,
) -> ExpiryStatus:
    now = require_aware(now, "now")
    if now < not_before:
        return ExpiryStatus.NOT_YET_VALID
    if now >= not_after:
        return ExpiryStatus.EXPIRED
    if not_after - now <= warning_window:
        return ExpiryStatus.EXPIRING
    return ExpiryStatus.VALID


def parse_pem_chain(data: bytes | str) -> list[CertificateInfo]:
    """Every certificate in the PEM text, in order (the leaf first in a chain)."""
    raw = data.encode("ascii", "replace") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_PEM_BYTES:
        raise InvalidCertificateError(f"certificate upload is {len(raw)} bytes; the limit is "
                                 f"{MAX_PEM_BYTES} bytes")
    labels = [m.group(1).decode("ascii") for m in _BLOCK.finditer(raw)]
    if any("PRIVATE KEY" in label for label in labels):
        raise InvalidCertificateError(
            "the upload contains a private key; upload only the certificate (never share keys)"
        )
    if not labels:
        raise InvalidCertificateError(
            "not a PEM certificate: expected a '-----BEGIN CERTIFICATE-----' block"
        )
    if any(label != "CERTIFICATE" for label in labels):
        others = ", ".join(sorted({label for label in labels if label != "CERTIFICATE"}))
        raise InvalidCertificateError(f"only CERTIFICATE blocks are accepted, found: {others}")
    try:
        certificates = x509.load_pem_x509_certificates(raw)
    except ValueError as exc:
        raise InvalidCertificateError(f"the certificate cannot be read: {exc}") from None
    return [_info(cert) for cert in certificates]


def parse_pem(data: bytes | str) -> CertificateInfo:
    """The single certificate (or the leaf of a chain) in the PEM text."""
    return parse_pem_chain(data)[0]


def _info(cert: x509.Certificate) -> CertificateInfo:
    return CertificateInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial_number=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before_utc.astimezone(UTC),
        not_after=cert.not_valid_after_utc.astimezone(UTC),
        fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
        pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    )
