"""HTTPS transport on one shared aiohttp ClientSession (owned by the app, never per call).

The wire convention and every decision that needs no network live in http_protocol; this
module only moves bytes and maps aiohttp/ssl exceptions onto DeliveryError classes.
"""

from __future__ import annotations

import errno
import logging
import socket
import ssl
import time
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from gateway.errors import PayloadTooLarge
from gateway.transports.base import Clock, Envelope, Inbound, InboundRequest, Receipt, utc_now
from gateway.transports.endpoint import EndpointConfig
from gateway.transports.errors import (
    CertificatePinMismatchError,
    ConnectionFailedError,
    DeliveryError,
    DeliveryTimeoutError,
    EndpointConfigError,
    TlsHandshakeError,
    TlsVerificationError,
)
from gateway.transports.http_protocol import (
    build_receipt,
    checked_url,
    display_url,
    error_for_receipt,
    outbound_headers,
    parse_inbound,
)
from gateway.transports.status import parse_retry_after
from gateway.transports.tls import SpkiPinMismatchError, TlsContextCache

__all__ = [
    "EndpointConfig",
    "HttpTransport",
    "error_for_exception",
    "new_client_session",
    "read_inbound_request",
]

_log = logging.getLogger(__name__)
CHUNK_BYTES = 64 * 1024
# Abrupt closes surface as these ssl errors; they say nothing about TLS policy, so they retry.
_TRANSIENT_SSL_ERRORS = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)


def new_client_session(**options: Any) -> aiohttp.ClientSession:
    """The session the app should own: no cookie jar shared between partners, no proxy from env."""
    options.setdefault("cookie_jar", aiohttp.DummyCookieJar())
    options.setdefault("trust_env", False)
    return aiohttp.ClientSession(**options)


class HttpTransport:
    """POSTs envelopes to partner endpoints; checks inbound POSTs (see http_protocol)."""

    name = "http"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        clock: Clock = utc_now,
        tls_contexts: TlsContextCache | None = None,
    ) -> None:
        self._session = session
        self._clock = clock
        self._tls = tls_contexts or TlsContextCache()

    async def send(self, envelope: Envelope, endpoint: EndpointConfig) -> Receipt:
        url = checked_url(endpoint)
        started = time.monotonic()
        try:
            receipt, retry_after = await self._post(url, envelope, endpoint)
            error = error_for_receipt(receipt, retry_after=retry_after)
            if error is not None:
                raise error
        except DeliveryError as exc:
            _log.warning(
                "delivery of %s to %s failed after %.0f ms: %s [%s, retryable=%s]",
                envelope.message_id,
                display_url(url),
                _elapsed_ms(started),
                exc.code,
                exc.wire_code,
                exc.retryable,
            )
            raise
        _log.info(
            "delivered %s to %s: HTTP %s in %.0f ms (receipt sha256 %s)",
            envelope.message_id,
            display_url(url),
            receipt.status_code,
            _elapsed_ms(started),
            receipt.sha256,
        )
        return receipt

    async def _post(
        self, url: URL, envelope: Envelope, endpoint: EndpointConfig
    ) -> tuple[Receipt, timedelta | None]:
        headers = outbound_headers(envelope, endpoint, self._clock())
        try:
            return await post_for_receipt(
                self._session, self._tls, url, envelope.payload, headers,
                envelope=envelope, endpoint=endpoint, clock=self._clock, transport=self.name,
            )
        except (aiohttp.ClientError, TimeoutError, ssl.SSLError) as exc:
            raise error_for_exception(exc, envelope, endpoint) from exc

    async def receive(self, request: InboundRequest, endpoint: EndpointConfig) -> Inbound:
        return parse_inbound(request, endpoint, transport=self.name)


def _elapsed_ms(started: float) -> float:
    return (time.monotonic() - started) * 1000


async def post_for_receipt(
    session: aiohttp.ClientSession,
    tls: TlsContextCache,
    url: URL,
    body: bytes,
    headers: dict[str, str],
    *,
    envelope: Envelope,
    endpoint: EndpointConfig,
    clock: Clock,
    transport: str,
) -> tuple[Receipt, timedelta | None]:
    """POST `body` to `url` with the endpoint's TLS options; the answer as a Receipt.

    Redirects are never followed and at most `max_receipt_bytes` of the answer are kept.
    aiohttp, ssl and timeout exceptions propagate: each transport maps them to its verdicts.
    """
    ssl_option: ssl.SSLContext | bool = tls.context_for(endpoint) if url.scheme == "https" else True
    timeout = aiohttp.ClientTimeout(total=endpoint.timeout, sock_connect=endpoint.connect_timeout)
    async with session.post(
        url,
        data=body,
        headers=headers,
        ssl=ssl_option,
        timeout=timeout,
        allow_redirects=False,
        raise_for_status=False,
    ) as response:
        raw, truncated = await _read_capped(response.content, endpoint.max_receipt_bytes)
        received_at = clock()
        receipt = build_receipt(
            envelope,
            status=response.status,
            headers=response.headers,
            raw=raw,
            truncated=truncated,
            received_at=received_at,
            transport=transport,
        )
        return receipt, parse_retry_after(response.headers.get("Retry-After"), received_at)


async def _read_capped(stream: aiohttp.StreamReader, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of the body, and whether more was left unread."""
    kept = bytearray()
    while len(kept) < limit:
        chunk = await stream.read(min(CHUNK_BYTES, limit - len(kept)))
        if not chunk:
            return bytes(kept), False
        kept += chunk
    more = await stream.read(1)
    return bytes(kept), bool(more)


def error_for_exception(
    exc: BaseException, envelope: Envelope, endpoint: EndpointConfig
) -> DeliveryError:
    """Map an aiohttp/ssl/timeout exception to the DeliveryError class that carries its verdict."""
    where = f"{envelope.message_id} → {display_url(URL(endpoint.url))}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return _certificate_error(exc.certificate_error, where)
    tls_cause = _ssl_cause(exc)
    if tls_cause is not None:
        reason = getattr(tls_cause, "reason", None) or type(tls_cause).__name__
        return TlsHandshakeError(
            f"{where}: TLS handshake failed ({reason})", wire_code=f"tls:{reason}"
        )
    if isinstance(exc, TimeoutError):
        return DeliveryTimeoutError(
            f"{where}: no complete answer within {endpoint.timeout:g} s", wire_code="timeout"
        )
    if isinstance(exc, aiohttp.InvalidURL):
        return EndpointConfigError(f"{where}: invalid URL", wire_code="local:url")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return ConnectionFailedError(
            f"{where}: cannot connect ({exc.os_error})", wire_code=_os_wire(exc.os_error)
        )
    hint = _client_certificate_hint(endpoint)
    return ConnectionFailedError(
        f"{where}: connection failed ({exc!r}){hint}", wire_code=_wire_of(exc)
    )


def _certificate_error(cause: BaseException, where: str) -> DeliveryError:
    if isinstance(cause, SpkiPinMismatchError):
        return CertificatePinMismatchError(f"{where}: {cause}", wire_code="tls:PIN_MISMATCH")
    detail = getattr(cause, "verify_message", None) or str(cause)
    reason = getattr(cause, "reason", None) or "CERTIFICATE_VERIFY_FAILED"
    return TlsVerificationError(
        f"{where}: server certificate not trusted ({detail})", wire_code=f"tls:{reason}"
    )


def _ssl_cause(exc: BaseException) -> ssl.SSLError | None:
    """The ssl.SSLError behind ``exc``, if any (aiohttp wraps it, TLS 1.3 alerts arrive late)."""
    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            return None
        candidate = seen.os_error if isinstance(seen, aiohttp.ClientConnectorError) else seen
        if isinstance(candidate, _TRANSIENT_SSL_ERRORS):
            return None
        if isinstance(candidate, ssl.SSLError):
            return candidate
        seen = seen.__cause__
    return None


def _os_wire(os_error: OSError) -> str:
    if isinstance(os_error, socket.gaierror):
        return f"dns:{os_error.errno}"
    name = errno.errorcode.get(os_error.errno or 0)
    return f"os:{name}" if name else "os:error"


def _wire_of(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno:
        return _os_wire(exc)
    return f"http:{type(exc).__name__}"


def _client_certificate_hint(endpoint: EndpointConfig) -> str:
    # Under TLS 1.3 a server that refuses (or misses) the client certificate sends its alert
    # after the client's handshake has finished, and the reset usually overtakes it.
    if not endpoint.url.lower().startswith("https"):
        return ""
    if endpoint.client_cert_pem:
        return "; a partner that does not accept our client certificate also resets"
    return "; if the partner requires a client certificate, configure client_cert_pem"


async def read_inbound_request(
    request: web.Request, *, max_bytes: int, clock: Clock = utc_now
) -> InboundRequest:
    """Read an aiohttp request body (at most ``max_bytes``) into a transport-neutral request."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise PayloadTooLarge(
            f"request body is {request.content_length} bytes; the limit is {max_bytes} bytes"
        )
    body = bytearray()
    async for chunk in request.content.iter_chunked(CHUNK_BYTES):
        body += chunk
        if len(body) > max_bytes:
            raise PayloadTooLarge(f"request body exceeds the limit of {max_bytes} bytes")
    return InboundRequest(
        headers=request.headers,
        body=bytes(body),
        received_at=clock(),
        remote_address=request.remote,
        client_certificate_der=_peer_certificate(request),
    )


def _peer_certificate(request: web.Request) -> bytes | None:
    transport = request.transport
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    if ssl_object is None:
        return None
    certificate: bytes | None = ssl_object.getpeercert(binary_form=True)
    return certificate
