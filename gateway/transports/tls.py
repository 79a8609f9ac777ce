"""Client TLS contexts per endpoint: custom CA, SPKI pinning, client certificate (mTLS).

Pinning is checked inside the TLS handshake, before a single byte of the request is written:
the context's ``sslobject_class`` is a subclass whose ``do_handshake`` compares the SHA-256 of
the server certificate's SubjectPublicKeyInfo (RFC 7469 §2.4) with the endpoint's pins, after
the usual chain and hostname verification succeeded. This works with any connector and
connection pool, unlike aiohttp's ``Fingerprint`` (which hashes the whole certificate and
turns CA verification off).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import ssl
import tempfile
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from gateway.transports.endpoint import EndpointConfig, is_pem_text
from gateway.transports.errors import EndpointConfigError

CACHE_SIZE = 256


def spki_sha256(certificate_der: bytes) -> bytes:
    """SHA-256 of the certificate's DER SubjectPublicKeyInfo (the pin value, RFC 7469 §2.4)."""
    certificate = x509.load_der_x509_certificate(certificate_der)
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).digest()


class SpkiPinMismatchError(ssl.SSLCertVerificationError):
    """Raised inside the handshake; an ssl.SSLError so asyncio fails the connection cleanly."""

    def __init__(self, observed: bytes) -> None:
        super().__init__(f"server public key sha256 {observed.hex()} is not pinned")
        self.observed = observed


class _PinnedSSLObject(ssl.SSLObject):
    pins: frozenset[bytes] = frozenset()

    def do_handshake(self) -> None:
        super().do_handshake()  # raises SSLWantRead until done; verification already ran
        certificate = self.getpeercert(binary_form=True)
        observed = spki_sha256(certificate) if certificate else b""
        if observed not in self.pins:
            raise SpkiPinMismatchError(observed)


def pinned_sslobject_class(pins: frozenset[bytes]) -> type[ssl.SSLObject]:
    return type("PinnedSSLObject", (_PinnedSSLObject,), {"pins": pins})


def build_client_context(endpoint: EndpointConfig) -> ssl.SSLContext:
    """A verifying TLS 1.2+ client context for ``endpoint``; bad material → EndpointConfigError."""
    context = _base_context(endpoint.ca_pem)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if endpoint.client_cert_pem and endpoint.client_key_pem:
        _load_client_chain(
            context, endpoint.client_cert_pem, endpoint.client_key_pem, endpoint.client_key_password
        )
    pins = endpoint.pin_digests()
    if pins:
        context.sslobject_class = pinned_sslobject_class(pins)
    return context


def _base_context(ca_pem: str | None) -> ssl.SSLContext:
    if ca_pem is None:
        return ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    cadata = _read_source(ca_pem, "ca_pem").decode("ascii", errors="replace")
    try:
        return ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=cadata)
    except ssl.SSLError as exc:
        raise _misconfigured(
            f"ca_pem is not a readable PEM CA bundle ({getattr(exc, 'reason', None) or exc})"
        ) from None


def _load_client_chain(context: ssl.SSLContext, cert: str, key: str, password: str | None) -> None:
    try:
        with (
            _as_file(cert, "client_cert_pem") as cert_path,
            _as_file(key, "client_key_pem") as key_path,
        ):
            context.load_cert_chain(cert_path, key_path, password)
    except ssl.SSLError as exc:
        # Never echo key material; name the fields and OpenSSL's reason only.
        reason = getattr(exc, "reason", None) or "bad PEM or password"
        raise _misconfigured(
            f"client_cert_pem/client_key_pem cannot be loaded ({reason})"
        ) from None


def _read_source(value: str, name: str) -> bytes:
    if is_pem_text(value):
        return value.encode("ascii", errors="replace")
    try:
        return Path(value).read_bytes()
    except OSError as exc:
        raise _misconfigured(f"{name}: cannot read {value!r} ({exc.strerror})") from None


@contextlib.contextmanager
def _as_file(value: str, name: str) -> Iterator[str]:
    """A path for ``load_cert_chain`` (which reads files only); PEM text never touches disk
    where memfd exists (Linux), else a private temporary directory removed at once."""
    if not is_pem_text(value):
        if not Path(value).is_file():
            raise _misconfigured(f"{name}: {value!r} is not a readable file")
        yield value
        return
    data = value.encode("ascii", errors="replace")
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("gateway-tls", os.MFD_CLOEXEC)
        try:
            os.write(fd, data)
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    with tempfile.TemporaryDirectory(prefix="gateway-tls-") as directory:
        path = Path(directory) / "material.pem"
        path.touch(mode=0o600)
        path.write_bytes(data)
        yield str(path)


def _misconfigured(message: str) -> EndpointConfigError:
    return EndpointConfigError(message, wire_code="local:tls-config")


def _source_key(value: str | None) -> tuple[str | None, int | None]:
    """Cache key of a PEM field: a file path includes its mtime, so a replaced file reloads."""
    if value is None or is_pem_text(value):
        return value, None
    try:
        return value, Path(value).stat().st_mtime_ns
    except OSError:
        return value, None


class TlsContextCache:
    """One SSLContext per distinct TLS configuration (contexts are costly; pools key on them)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._contexts: OrderedDict[tuple[object, ...], ssl.SSLContext] = OrderedDict()

    def context_for(self, endpoint: EndpointConfig) -> ssl.SSLContext:
        key = self._key(endpoint)
        context = self._contexts.get(key)
        if context is None:
            context = build_client_context(endpoint)
            self._contexts[key] = context
            if len(self._contexts) > self._size:
                self._contexts.popitem(last=False)
        else:
            self._contexts.move_to_end(key)
        return context

    def clear(self) -> None:
        self._contexts.clear()

    @staticmethod
    def _key(endpoint: EndpointConfig) -> tuple[object, ...]:
        return (
            _source_key(endpoint.ca_pem),
            _source_key(endpoint.client_cert_pem),
            _source_key(endpoint.client_key_pem),
            endpoint.client_key_password,
            endpoint.pin_digests(),
        )
