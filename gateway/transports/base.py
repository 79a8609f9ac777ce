"""The transport seam: what is sent (Envelope), what comes back (Receipt), what arrives (Inbound).

A transport is any class with ``name``, ``send(envelope, endpoint) -> Receipt`` and
``receive(request, endpoint) -> Inbound`` (DESIGN.md §2). Failures are ``DeliveryError``
subclasses (gateway.transports.errors) carrying ``code``, ``wire_code`` and ``retryable``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from multidict import CIMultiDict, CIMultiDictProxy

from gateway.errors import InputError
from gateway.transports.errors import PayloadIntegrityError

if TYPE_CHECKING:
    from gateway.transports.endpoint import EndpointConfig

Clock = Callable[[], datetime]

# Visible ASCII without separators that would break a header or a log line.
_TOKEN = re.compile(r"[A-Za-z0-9._:@/+=#~-]{1,200}")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}")  # RFC 9110 §5.6.2 token


def utc_now() -> datetime:
    return datetime.now(UTC)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_token(value: str) -> bool:
    """True if ``value`` is safe as an id in a header: 1-200 visible ASCII, no spaces or commas."""
    return _TOKEN.fullmatch(value) is not None


def is_header_name(value: str) -> bool:
    return _HEADER_NAME.fullmatch(value) is not None


def is_header_safe(value: str) -> bool:
    """True if ``value`` cannot split or smuggle a header (no CR, LF, NUL or other controls)."""
    return value.isprintable() and value.isascii()


def require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC)")


def _invalid(message: str) -> InputError:
    return InputError(message, code="invalid-envelope")


def _frozen_mapping(values: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True, slots=True)
class Envelope:
    """One outbound message. ``message_id`` is stable across retries so receivers can de-duplicate.

    ``document_type`` is a gateway.documents registry key (``event:<type>`` for webhook events).
    ``headers`` travel with the message; ``metadata`` stays local (for transports such as AS4,
    which need more routing data than HTTP). ``sha256`` is computed when left empty and checked
    when given, so a payload altered in storage is never sent under its old checksum.
    """

    message_id: str
    document_type: str
    sender_id: str
    receiver_id: str
    payload: bytes = field(repr=False)
    content_type: str
    sha256: str = ""
    process_id: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict, hash=False)
    metadata: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        for name in ("message_id", "document_type"):
            if not is_token(getattr(self, name)):
                raise _invalid(f"Envelope.{name} {getattr(self, name)!r} is not a header-safe id")
        for name in ("sender_id", "receiver_id", "content_type"):
            value = getattr(self, name)
            if not value or not is_header_safe(value):
                raise _invalid(f"Envelope.{name} must be non-empty printable ASCII")
        for key, value in self.headers.items():
            if not (is_header_name(key) and is_header_safe(value)):
                raise _invalid(f"Envelope header {key!r} is not a safe header name/value")
        object.__setattr__(self, "headers", _frozen_mapping(self.headers))
        object.__setattr__(self, "metadata", _frozen_mapping(self.metadata))
        actual = sha256_hex(self.payload)
        if not self.sha256:
            object.__setattr__(self, "sha256", actual)
        elif self.sha256.lower() != actual:
            raise PayloadIntegrityError(
                f"Envelope {self.message_id}: payload SHA-256 {actual} "
                f"does not match the recorded {self.sha256}",
                wire_code="local:sha256-mismatch",
            )


@dataclass(frozen=True, slots=True)
class Receipt:
    """The evidence a send produced: the partner's raw answer (capped) and its SHA-256.

    ``sha256`` covers exactly ``raw``; ``truncated`` says the answer was longer than the cap.
    """

    message_id: str
    transport: str
    received_at: datetime
    raw: bytes = field(repr=False)
    sha256: str
    status_code: int | None = None
    remote_message_id: str | None = None
    content_type: str | None = None
    truncated: bool = False

    def __post_init__(self) -> None:
        require_aware(self.received_at, "Receipt.received_at")


@dataclass(frozen=True, slots=True)
class InboundRequest:
    """A transport-neutral view of an inbound HTTP request, already read (size-capped)."""

    headers: Mapping[str, str]
    body: bytes = field(repr=False)
    received_at: datetime
    remote_address: str | None = None
    client_certificate_der: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        require_aware(self.received_at, "InboundRequest.received_at")
        object.__setattr__(self, "headers", CIMultiDictProxy(CIMultiDict(self.headers)))


@dataclass(frozen=True, slots=True)
class Inbound:
    """A received message, checked by the transport and ready for the exchange layer.

    ``message_id`` is the partner's id (for de-duplication with sender and ``sha256``) when it
    sent one; ``signature_key_id`` is the key that verified the request, None if unsigned.
    """

    transport: str
    payload: bytes = field(repr=False)
    sha256: str
    content_type: str
    received_at: datetime
    message_id: str | None = None
    document_type: str | None = None
    signature_key_id: str | None = None
    client_certificate_sha256: str | None = None
    remote_address: str | None = None

    def __post_init__(self) -> None:
        require_aware(self.received_at, "Inbound.received_at")


@runtime_checkable
class Transport(Protocol):
    """The seam every transport implements (HTTP, fake; Peppol AS4 later)."""

    @property
    def name(self) -> str: ...

    async def send(self, envelope: Envelope, endpoint: EndpointConfig) -> Receipt:
        """Deliver once; raise a DeliveryError (with ``retryable``) unless the partner accepted."""
        ...

    async def receive(self, request: InboundRequest, endpoint: EndpointConfig) -> Inbound:
        """Check an inbound request against the sending partner's ``endpoint`` configuration."""
        ...
