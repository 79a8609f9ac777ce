"""Request signatures for outbound webhooks and partner POSTs (HMAC-SHA256, Stripe-like).

The scheme (also in docs/webhooks.md, which a receiver's developer reads):

    X-Gateway-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, b"<t>." + body)>
    X-Gateway-Key-Id:    <key id>

* ``t`` is the signing time; the receiver rejects it outside a tolerance (default 300 s) in
  either direction, which bounds replays and clock skew.
* ``v1`` is lowercase hex. During a key rotation the sender signs with every active key: the
  key-id header lists them comma-separated (``k2,k1``) and the signature header carries one
  ``v1=`` per key, so a receiver holding either the old or the new secret verifies.
* Unknown schemes (``v0=``, ``v2=``) are ignored, so the scheme can evolve without breaking
  existing receivers.
* The body is signed exactly as sent (no re-serialisation), so receivers must verify the raw
  bytes before parsing them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from gateway.errors import ConfigurationError, Unauthorized

SIGNATURE_HEADER = "X-Gateway-Signature"
KEY_ID_HEADER = "X-Gateway-Key-Id"
SCHEME = "v1"
DEFAULT_TOLERANCE = timedelta(seconds=300)
MIN_SECRET_BYTES = 16
# Bounds the work a hostile header can cause (each v1 value costs one comparison per key).
MAX_SIGNATURES = 8
MAX_KEY_IDS = 8

_KEY_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One shared secret and the id under which the receiver stores it."""

    key_id: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _KEY_ID.fullmatch(self.key_id):
            raise ConfigurationError(
                f"signing key id {self.key_id!r} must be 1-64 characters of A-Z a-z 0-9 . _ : -",
                code="invalid-signing-key",
            )
        if len(self.secret) < MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"signing key {self.key_id!r}: the secret needs {MIN_SECRET_BYTES}+ bytes",
                code="invalid-signing-key",
            )


class SignatureError(Unauthorized):
    """The request signature is absent or does not prove the sender holds a known key."""

    code = "signature-invalid"


class SignatureMissingError(SignatureError):
    code = "signature-missing"


class SignatureMalformedError(SignatureError):
    code = "signature-malformed"


class UnknownKeyIdError(SignatureError):
    code = "signature-unknown-key"


class StaleSignatureError(SignatureError):
    code = "signature-stale"


class BadSignatureError(SignatureError):
    code = "signature-mismatch"


@dataclass(frozen=True, slots=True)
class ParsedSignature:
    timestamp: int
    v1: tuple[str, ...]


def signed_payload(timestamp: int, body: bytes) -> bytes:
    """The bytes the HMAC covers: ``b"<t>." + body``."""
    return f"{timestamp}.".encode("ascii") + body


def compute_v1(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, signed_payload(timestamp, body), hashlib.sha256).hexdigest()


def unix_seconds(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("signature timestamps must be timezone-aware (UTC)")
    return int(moment.timestamp())


def sign(body: bytes, secret: bytes, key_id: str, timestamp: datetime) -> dict[str, str]:
    """Headers signing ``body`` with one key."""
    return sign_with_keys(body, [SigningKey(key_id, secret)], timestamp)


def sign_with_keys(body: bytes, keys: Sequence[SigningKey], timestamp: datetime) -> dict[str, str]:
    """Headers signing ``body`` with every key in ``keys`` (several during a rotation)."""
    if not keys:
        raise ConfigurationError("cannot sign without a signing key", code="invalid-signing-key")
    t = unix_seconds(timestamp)
    parts = [f"t={t}", *(f"{SCHEME}={compute_v1(k.secret, t, body)}" for k in keys)]
    return {
        SIGNATURE_HEADER: ",".join(parts),
        KEY_ID_HEADER: ",".join(k.key_id for k in keys),
    }


def parse_signature_header(value: str) -> ParsedSignature:
    """Parse ``t=<unix>,v1=<hex>[,v1=<hex>...]``; other schemes are skipped."""
    timestamps: list[str] = []
    v1: list[str] = []
    for item in value.split(","):
        name, sep, content = item.strip().partition("=")
        if not sep:
            raise SignatureMalformedError(
                f"{SIGNATURE_HEADER}: item {item.strip()!r} is not name=value"
            )
        if name == "t":
            timestamps.append(content)
        elif name == SCHEME:
            v1.append(content)
    return ParsedSignature(_parse_timestamp(timestamps), _checked_v1(v1))


def _parse_timestamp(values: list[str]) -> int:
    if len(values) != 1:
        raise SignatureMalformedError(f"{SIGNATURE_HEADER} must carry exactly one t= timestamp")
    if not _UNIX_SECONDS.fullmatch(values[0]):
        raise SignatureMalformedError(f"{SIGNATURE_HEADER}: t={values[0]!r} is not unix seconds")
    return int(values[0])


def _checked_v1(values: list[str]) -> tuple[str, ...]:
    if not values:
        raise SignatureMalformedError(f"{SIGNATURE_HEADER} carries no {SCHEME}= signature")
    if len(values) > MAX_SIGNATURES:
        raise SignatureMalformedError(
            f"{SIGNATURE_HEADER} carries more than {MAX_SIGNATURES} signatures"
        )
    for value in values:
        if not _HEX_SHA256.fullmatch(value):
            raise SignatureMalformedError(
                f"{SIGNATURE_HEADER}: {SCHEME}= must be 64 lowercase hex digits"
            )
    return tuple(values)


def parse_key_ids(value: str) -> tuple[str, ...]:
    key_ids = tuple(part.strip() for part in value.split(","))
    if len(key_ids) > MAX_KEY_IDS:
        raise SignatureMalformedError(f"{KEY_ID_HEADER} lists more than {MAX_KEY_IDS} key ids")
    for key_id in key_ids:
        if not _KEY_ID.fullmatch(key_id):
            raise SignatureMalformedError(f"{KEY_ID_HEADER}: {key_id!r} is not a valid key id")
    return key_ids


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup that also works on a plain dict."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets_by_key_id: Mapping[str, bytes],
    *,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    now: datetime | None = None,
) -> str:
    """Check the signature headers over ``body``; return the key id that verified.

    The signature is checked before the timestamp, so ``StaleSignatureError`` means an authentic
    but old (replayed or clock-skewed) request, never a forgery.
    """
    signature = _required_header(headers, SIGNATURE_HEADER)
    key_ids = parse_key_ids(_required_header(headers, KEY_ID_HEADER))
    parsed = parse_signature_header(signature)
    known = [key_id for key_id in key_ids if key_id in secrets_by_key_id]
    if not known:
        raise UnknownKeyIdError(f"{KEY_ID_HEADER}: no known key among {', '.join(key_ids)}")
    key_id = _matching_key_id(parsed, body, known, secrets_by_key_id)
    if key_id is None:
        raise BadSignatureError(
            f"{SIGNATURE_HEADER} does not match the body for key {', '.join(known)}"
        )
    _check_fresh(parsed.timestamp, tolerance, now or datetime.now(UTC))
    return key_id


def _required_header(headers: Mapping[str, str], name: str) -> str:
    value = header_value(headers, name)
    if value is None or not value.strip():
        raise SignatureMissingError(f"the {name} header is missing")
    return value


def _matching_key_id(
    parsed: ParsedSignature, body: bytes, key_ids: list[str], secrets: Mapping[str, bytes]
) -> str | None:
    for key_id in key_ids:
        expected = compute_v1(secrets[key_id], parsed.timestamp, body)
        # Compare against every value (no early exit) so timing reveals nothing.
        matches = [hmac.compare_digest(expected, candidate) for candidate in parsed.v1]
        if any(matches):
            return key_id
    return None


def _check_fresh(timestamp: int, tolerance: timedelta, now: datetime) -> None:
    age = unix_seconds(now) - timestamp
    if abs(age) > tolerance.total_seconds():
        direction = "old" if age > 0 else "in the future"
        raise StaleSignatureError(
            f"{SIGNATURE_HEADER} timestamp is {abs(age)} s {direction}; "
            f"the tolerance is {int(tolerance.total_seconds())} s"
        )
