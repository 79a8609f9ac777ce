"""The HTTP(S) exchange convention, free of I/O: headers out, verdicts in, inbound checks.

Outbound POST headers:
  Content-Type             application/xml or application/json (parameters kept)
  X-Gateway-Message-Id     the envelope's id, identical on every retry (receivers de-duplicate)
  X-Gateway-Document-Type  the document type key (``event:<type>`` for webhook events)
  X-Gateway-Signature,
  X-Gateway-Key-Id         when the endpoint has signing keys (gateway.webhooks.signing)
A receiver may return ``X-Gateway-Receipt-Id`` (or ``X-Request-Id``) with its own id for the
message; it is recorded as the receipt's remote message id.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from yarl import URL

from gateway import __version__
from gateway.errors import InputError, UnsupportedDocumentError
from gateway.transports.base import Envelope, Inbound, InboundRequest, Receipt, is_token, sha256_hex
from gateway.transports.endpoint import EndpointConfig
from gateway.transports.errors import (
    DeliveryError,
    EndpointConfigError,
    RemoteRejectedError,
    RemoteUnavailableError,
    UnexpectedResponseError,
    UnsupportedPayloadError,
)
from gateway.transports.status import StatusClass, classify_http_status
from gateway.webhooks.signing import KEY_ID_HEADER, SIGNATURE_HEADER, sign_with_keys, verify

MESSAGE_ID_HEADER = "X-Gateway-Message-Id"
DOCUMENT_TYPE_HEADER = "X-Gateway-Document-Type"
RECEIPT_ID_HEADERS = ("X-Gateway-Receipt-Id", "X-Request-Id")
USER_AGENT = f"einvoice-gateway/{__version__}"
# Media types a document may travel as; text/xml is accepted inbound and read as application/xml.
MEDIA_TYPES = {
    "application/xml": "application/xml",
    "text/xml": "application/xml",
    "application/json": "application/json",
}
TRANSPORT_HEADERS = frozenset(
    name.lower()
    for name in (
        "Content-Type",
        "Content-Length",
        "Host",
        "Transfer-Encoding",
        "User-Agent",
        MESSAGE_ID_HEADER,
        DOCUMENT_TYPE_HEADER,
        SIGNATURE_HEADER,
        KEY_ID_HEADER,
    )
)
EXCERPT_CHARS = 300


def media_type(content_type: str | None) -> str | None:
    """``application/xml`` or ``application/json`` for a supported Content-Type, else None."""
    if not content_type:
        return None
    return MEDIA_TYPES.get(content_type.split(";", 1)[0].strip().lower())


def checked_url(endpoint: EndpointConfig) -> URL:
    """The endpoint URL if it is absolute HTTPS (or HTTP when explicitly allowed), no userinfo."""
    try:
        url = URL(endpoint.url)
    except (TypeError, ValueError) as exc:
        raise _misconfigured(f"url {endpoint.url!r} is not a URL ({exc})") from None
    allowed = {"https", "http"} if endpoint.allow_plain_http else {"https"}
    if url.scheme not in allowed or not url.host:
        raise _misconfigured(
            f"url {endpoint.url!r} must be an absolute {' or '.join(sorted(allowed))} URL"
        )
    if url.user is not None or url.password is not None:
        raise _misconfigured("url must not carry credentials; use extra_headers or mTLS")
    if url.scheme == "http" and endpoint.has_tls_options:
        raise _misconfigured("TLS options (CA, pins, client certificate) need an https url")
    return url


def display_url(url: URL) -> str:
    """The URL for logs and error messages: no query or fragment (they may carry tokens)."""
    return str(url.with_query(None).with_fragment(None).with_user(None))


def outbound_headers(envelope: Envelope, endpoint: EndpointConfig, now: datetime) -> dict[str, str]:
    """All request headers for one attempt; signed at ``now`` so a retry is never stale."""
    if media_type(envelope.content_type) is None:
        raise UnsupportedPayloadError(
            f"{envelope.message_id}: content type {envelope.content_type!r} cannot be sent over "
            "HTTP; use application/xml or application/json",
            wire_code="local:content-type",
        )
    headers = dict(endpoint.extra_headers)
    for name, value in envelope.headers.items():
        if name.lower() in TRANSPORT_HEADERS:
            raise UnsupportedPayloadError(
                f"{envelope.message_id}: envelope header {name!r} is set by the transport",
                wire_code="local:header",
            )
        headers[name] = value
    headers.update(
        {
            "Content-Type": envelope.content_type,
            "User-Agent": USER_AGENT,
            MESSAGE_ID_HEADER: envelope.message_id,
            DOCUMENT_TYPE_HEADER: envelope.document_type,
        }
    )
    if endpoint.signing_keys:
        headers.update(sign_with_keys(envelope.payload, endpoint.signing_keys, now))
    return headers


def remote_message_id(headers: Mapping[str, str]) -> str | None:
    for name in RECEIPT_ID_HEADERS:
        value = headers.get(name)
        if value and is_token(value):
            return value
    return None


def build_receipt(
    envelope: Envelope,
    *,
    status: int,
    headers: Mapping[str, str],
    raw: bytes,
    truncated: bool,
    received_at: datetime,
    transport: str = "http",
) -> Receipt:
    return Receipt(
        message_id=envelope.message_id,
        transport=transport,
        received_at=received_at,
        raw=raw,
        sha256=sha256_hex(raw),
        status_code=status,
        remote_message_id=remote_message_id(headers),
        content_type=headers.get("Content-Type"),
        truncated=truncated,
    )


def error_for_receipt(
    receipt: Receipt, *, retry_after: timedelta | None = None
) -> DeliveryError | None:
    """None when the status means delivered, else the DeliveryError the status calls for."""
    status = receipt.status_code
    if status is None:
        return None
    verdict = classify_http_status(status)
    if verdict is StatusClass.DELIVERED:
        return None
    message = f"{receipt.message_id}: partner answered HTTP {status}{_excerpt(receipt.raw)}"
    wire = f"http:{status}"
    if verdict is StatusClass.RETRY:
        return RemoteUnavailableError(
            message, wire_code=wire, remote_status=status, retry_after=retry_after, receipt=receipt
        )
    if verdict is StatusClass.REJECTED:
        return RemoteRejectedError(message, wire_code=wire, remote_status=status, receipt=receipt)
    if 300 <= status <= 399:
        message += " (redirects are never followed: configure the final URL)"
    return UnexpectedResponseError(message, wire_code=wire, remote_status=status, receipt=receipt)


def _excerpt(raw: bytes) -> str:
    text = raw[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace")
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    if not cleaned:
        return ""
    suffix = "…" if len(cleaned) > EXCERPT_CHARS else ""
    return f": {cleaned[:EXCERPT_CHARS]}{suffix}"


def parse_inbound(
    request: InboundRequest, endpoint: EndpointConfig, *, transport: str = "http"
) -> Inbound:
    """Check an inbound POST from the partner ``endpoint`` describes.

    Signature first (when the partner has signing keys, it is mandatory): nothing about the
    content is reported to an unauthenticated caller.
    """
    key_id = None
    if endpoint.signing_keys:
        key_id = verify(
            request.headers, request.body, endpoint.signing_secrets(), now=request.received_at
        )
    content_type = request.headers.get("Content-Type")
    normalised = media_type(content_type)
    if normalised is None:
        raise UnsupportedDocumentError(
            f"Content-Type {content_type!r} is not supported; send application/xml or "
            "application/json"
        )
    if not request.body:
        raise InputError("the request body is empty")
    return Inbound(
        transport=transport,
        payload=request.body,
        sha256=sha256_hex(request.body),
        content_type=normalised,
        received_at=request.received_at,
        message_id=_optional_id(request.headers, MESSAGE_ID_HEADER),
        document_type=_optional_id(request.headers, DOCUMENT_TYPE_HEADER),
        signature_key_id=key_id,
        client_certificate_sha256=(
            sha256_hex(request.client_certificate_der) if request.client_certificate_der else None
        ),
        remote_address=request.remote_address,
    )


def _optional_id(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    if not is_token(value):
        raise InputError(f"the {name} header must be 1-200 visible ASCII characters without spaces")
    return value


def _misconfigured(message: str) -> EndpointConfigError:
    return EndpointConfigError(message, wire_code="local:url")
