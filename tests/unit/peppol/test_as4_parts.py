"""AS4 building blocks without vectors: MIME caps, bounded gunzip, ebMS error verdicts."""

from __future__ import annotations

import gzip

import pytest

from gateway.peppol.as4.errors import (
    DECOMPRESSION_FAILURE,
    INVALID_HEADER,
    As4Rejected,
    RemoteEbmsError,
)
from gateway.peppol.as4.mime import split_headers, split_multipart
from gateway.peppol.as4.receipt import EbmsErrorEntry, error_signal_to_exception
from gateway.peppol.as4.usermessage import gunzip_bounded

CT = 'multipart/related; boundary="b1"; type="application/soap+xml"'


def _multipart(*parts: bytes, newline: bytes = b"\r\n") -> bytes:
    body = b"".join(b"--b1" + newline + part + newline for part in parts)
    return body + b"--b1--" + newline


def test_parts_are_split_binary_safe_with_crlf_and_lf() -> None:
    binary = bytes(range(256)) * 4 + b"\r\n--b" + b"\r\n"
    for newline in (b"\r\n", b"\n"):
        soap = b"Content-Type: application/soap+xml" + newline * 2 + b"<e/>"
        attachment = (
            b"Content-Type: application/octet-stream"
            + newline
            + b"Content-ID: <a@x>"
            + newline * 2
            + binary
        )
        parts = split_multipart(CT, _multipart(soap, attachment, newline=newline))
        assert [p.content_type for p in parts] == [
            "application/soap+xml",
            "application/octet-stream",
        ]
        assert parts[0].content == b"<e/>"
        assert parts[1].content_id == "a@x"
        assert parts[1].content == binary


def test_base64_parts_are_decoded() -> None:
    part = b"Content-Type: application/xml\r\nContent-Transfer-Encoding: base64\r\n\r\nPGEvPg=="
    assert split_multipart(CT, _multipart(part))[0].content == b"<a/>"


def test_too_many_parts_are_refused() -> None:
    part = b"Content-Type: text/plain\r\n\r\nx"
    with pytest.raises(As4Rejected, match="more than 8") as caught:
        split_multipart(CT, _multipart(*[part] * 9))
    assert caught.value.ebms_code == INVALID_HEADER


@pytest.mark.parametrize(
    "content_type", ["text/xml", 'multipart/related; type="application/soap+xml"']
)
def test_wrong_content_type_or_missing_boundary(content_type: str) -> None:
    with pytest.raises(As4Rejected):
        split_multipart(content_type, b"--b1\r\n\r\nx\r\n--b1--")


def test_unsupported_transfer_encoding_is_refused() -> None:
    part = b"Content-Transfer-Encoding: quoted-printable\r\n\r\nx"
    with pytest.raises(As4Rejected, match="quoted-printable"):
        split_multipart(CT, _multipart(part))


def test_split_headers_unfolds() -> None:
    headers, body = split_headers(b"Content-Type: multipart/related;\r\n\tboundary=x\r\n\r\nBODY")
    assert headers["content-type"] == "multipart/related; boundary=x"
    assert body == b"BODY"


def test_gunzip_round_trip() -> None:
    assert gunzip_bounded(gzip.compress(b"<Invoice/>" * 10)) == b"<Invoice/>" * 10


def test_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b"\0" * (5 * 1024 * 1024))
    assert len(bomb) < 10_000
    with pytest.raises(As4Rejected, match="expands beyond") as caught:
        gunzip_bounded(bomb, max_bytes=1024 * 1024)
    assert caught.value.ebms_code == DECOMPRESSION_FAILURE


@pytest.mark.parametrize(
    "data", [b"not gzip", gzip.compress(b"x" * 1000, mtime=0)[:-12]], ids=["not-gzip", "truncated"]
)
def test_invalid_or_truncated_gzip_is_ebms_0303(data: bytes) -> None:
    with pytest.raises(As4Rejected) as caught:
        gunzip_bounded(data)
    assert caught.value.ebms_code == DECOMPRESSION_FAILURE


def _entry(code: str, detail: str | None = None, severity: str = "failure") -> EbmsErrorEntry:
    return EbmsErrorEntry(code, severity, "Content", "x", "m1", detail)


@pytest.mark.parametrize(
    ("entry", "wire_code", "retryable"),
    [
        (_entry("EBMS:0004"), "EBMS:0004", True),
        (_entry("EBMS:0101"), "EBMS:0101", False),
        (_entry("EBMS:0102"), "EBMS:0102", False),
        (_entry("EBMS:0004", "PEPPOL:NOT_SERVICED"), "PEPPOL:NOT_SERVICED", False),
    ],
)
def test_error_signal_retry_verdicts(
    entry: EbmsErrorEntry, wire_code: str, retryable: bool
) -> None:
    error = error_signal_to_exception([entry])
    assert isinstance(error, RemoteEbmsError)
    assert (error.wire_code, error.retryable) == (wire_code, retryable)


def test_failure_outranks_warning() -> None:
    error = error_signal_to_exception(
        [_entry("EBMS:0004", severity="warning"), _entry("EBMS:0103")]
    )
    assert error.ebms_code == "EBMS:0103"
