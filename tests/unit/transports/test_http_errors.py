"""error_for_exception: the retry verdict for failures that never produced an HTTP status."""

from __future__ import annotations

import ssl

import aiohttp
import pytest

from gateway.transports.base import Envelope
from gateway.transports.endpoint import EndpointConfig
from gateway.transports.errors import (
    ConnectionFailedError,
    DeliveryError,
    DeliveryTimeoutError,
    EndpointConfigError,
    TlsHandshakeError,
)
from gateway.transports.http import error_for_exception

ENVELOPE = Envelope(
    message_id="msg-1",
    document_type="peppol-bis-billing-3-invoice",
    sender_id="0088:1",
    receiver_id="0088:2",
    payload=b"<Invoice/>",
    content_type="application/xml",
)
ENDPOINT = EndpointConfig("https://partner.example/in?token=s3cret")


def wrapped(outer: Exception, cause: BaseException) -> Exception:
    outer.__cause__ = cause
    return outer


@pytest.mark.parametrize(
    ("exc", "expected", "retryable"),
    [
        (TimeoutError(), DeliveryTimeoutError, True),
        (aiohttp.ServerTimeoutError("read"), DeliveryTimeoutError, True),
        (aiohttp.ServerDisconnectedError(), ConnectionFailedError, True),
        (aiohttp.ClientPayloadError("truncated"), ConnectionFailedError, True),
        (
            wrapped(aiohttp.ClientOSError(8, "EOF"), ssl.SSLEOFError(8, "EOF in violation")),
            ConnectionFailedError,
            True,
        ),
        (ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER]"), TlsHandshakeError, False),
        (
            wrapped(aiohttp.ClientOSError(1, "alert"), ssl.SSLError(1, "alert")),
            TlsHandshakeError,
            False,
        ),
        (aiohttp.InvalidURL("https://"), EndpointConfigError, False),
    ],
)
def test_verdicts(exc: BaseException, expected: type[DeliveryError], retryable: bool) -> None:
    error = error_for_exception(exc, ENVELOPE, ENDPOINT)
    assert type(error) is expected
    assert error.retryable is retryable
    assert "msg-1" in error.message
    assert "s3cret" not in error.message


def test_reset_on_https_hints_at_client_certificates() -> None:
    error = error_for_exception(
        aiohttp.ClientOSError(104, "Connection reset by peer"), ENVELOPE, ENDPOINT
    )
    assert error.wire_code == "os:ECONNRESET"
    assert "client certificate" in error.message
