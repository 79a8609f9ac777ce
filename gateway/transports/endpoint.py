"""Per-partner endpoint configuration: where to deliver, how to trust it, how to sign.

Secure defaults: HTTPS only (plain HTTP needs ``allow_plain_http``), the system trust store
unless ``ca_pem`` replaces it, hostname checking always on, redirects never followed.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from gateway.errors import ConfigurationError
from gateway.transports.base import is_header_name, is_header_safe
from gateway.webhooks.signing import SigningKey

TRANSPORT_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RECEIPT_BYTES = 1024 * 1024
# Headers the transport sets itself; an endpoint must not override them.
RESERVED_HEADER_PREFIX = "x-gateway-"
RESERVED_HEADERS = frozenset({"content-type", "content-length", "host", "transfer-encoding"})


def _invalid(message: str) -> ConfigurationError:
    return ConfigurationError(message, code="invalid-endpoint")


def parse_spki_pin(pin: str) -> bytes:
    """A SHA-256 SubjectPublicKeyInfo pin as bytes.

    Accepts 64 hex digits (colons allowed, any case) or ``sha256/<base64>`` (the HPKP/OkHttp
    form, RFC 7469 §2.4).
    """
    text = pin.strip()
    if text.startswith("sha256/"):
        try:
            digest = base64.b64decode(text.removeprefix("sha256/"), validate=True)
        except binascii.Error:
            digest = b""
    else:
        try:
            digest = bytes.fromhex(text.replace(":", ""))
        except ValueError:
            digest = b""
    if len(digest) != 32:
        raise _invalid(f"pinned_spki_sha256: {pin!r} is not a SHA-256 (64 hex or sha256/<base64>)")
    return digest


def is_pem_text(value: str) -> bool:
    """PEM fields take either PEM text or a file path; PEM text starts with a BEGIN line."""
    return value.lstrip().startswith("-----BEGIN ")


@dataclass(frozen=True, slots=True)
class EndpointConfig:
    """How to reach one partner (or internal system) and how to check what answers.

    ``ca_pem``, ``client_cert_pem`` and ``client_key_pem`` take PEM text or a file path.
    ``ca_pem`` replaces the system trust store (only that bundle is trusted).
    ``pinned_spki_sha256`` lists acceptable server-key hashes; list the next key before a
    rotation. ``signing_keys`` sign every request (all of them, during a rotation) and, for
    inbound requests from this partner, are the keys a signature must verify with.
    ``peer_certificate_pem`` (PEM text or path) is the partner's message-level certificate
    when it is not discovered: for ``peppol-as4``, the receiving access point's certificate
    (encryption key and receipt signer) of a statically configured AS4 URL.
    """

    url: str
    transport: str = "http"
    ca_pem: str | None = field(default=None, repr=False)
    pinned_spki_sha256: tuple[str, ...] = ()
    client_cert_pem: str | None = field(default=None, repr=False)
    client_key_pem: str | None = field(default=None, repr=False)
    client_key_password: str | None = field(default=None, repr=False)
    signing_keys: tuple[SigningKey, ...] = field(default=(), repr=False)
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    timeout: float = DEFAULT_TIMEOUT
    max_receipt_bytes: int = DEFAULT_MAX_RECEIPT_BYTES
    extra_headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    allow_plain_http: bool = False
    peer_certificate_pem: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not TRANSPORT_NAME.fullmatch(self.transport):
            raise _invalid(f"transport {self.transport!r} is not a transport name")
        if not self.url or not is_header_safe(self.url):
            raise _invalid("url must be non-empty printable ASCII")
        object.__setattr__(self, "pinned_spki_sha256", tuple(self.pinned_spki_sha256))
        object.__setattr__(self, "signing_keys", tuple(self.signing_keys))
        object.__setattr__(self, "extra_headers", tuple(self.extra_headers))
        self.pin_digests()
        self._check_limits()
        self._check_client_certificate()
        self._check_signing_keys()
        self._check_extra_headers()

    def pin_digests(self) -> frozenset[bytes]:
        return frozenset(parse_spki_pin(pin) for pin in self.pinned_spki_sha256)

    def signing_secrets(self) -> Mapping[str, bytes]:
        return {key.key_id: key.secret for key in self.signing_keys}

    @property
    def has_tls_options(self) -> bool:
        return bool(self.ca_pem or self.pinned_spki_sha256 or self.client_cert_pem)

    def _check_limits(self) -> None:
        if not (self.connect_timeout > 0 and self.timeout > 0):
            raise _invalid("connect_timeout and timeout must be positive seconds")
        if self.max_receipt_bytes < 0:
            raise _invalid("max_receipt_bytes must not be negative")

    def _check_client_certificate(self) -> None:
        if bool(self.client_cert_pem) != bool(self.client_key_pem):
            raise _invalid("client_cert_pem and client_key_pem must be given together")

    def _check_signing_keys(self) -> None:
        key_ids = [key.key_id for key in self.signing_keys]
        if len(set(key_ids)) != len(key_ids):
            raise _invalid(f"signing_keys: duplicate key id in {key_ids}")

    def _check_extra_headers(self) -> None:
        for name, value in self.extra_headers:
            lowered = name.lower()
            if not is_header_name(name) or not is_header_safe(value):
                raise _invalid(f"extra_headers: {name!r} is not a safe header name/value")
            if lowered.startswith(RESERVED_HEADER_PREFIX) or lowered in RESERVED_HEADERS:
                raise _invalid(f"extra_headers: {name!r} is set by the transport itself")
