"""PEM certificate parsing and expiry warnings."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from gateway.partners.certificates import (
    ExpiryStatus,
    InvalidCertificateError,
    expiry_status,
    parse_pem,
    parse_pem_chain,
)
from tests.unit.partners.certs import make_certificate, private_key_pem

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2027, 1, 1, tzinfo=UTC)


def test_fields_are_parsed() -> None:
    pem, _ = make_certificate("POP000123", START, END, serial=0xABCDEF)
    info = parse_pem(pem)
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    assert info.subject == "CN=POP000123,O=Example AS,C=NO"
    assert info.issuer == info.subject
    assert info.serial_number == "abcdef"
    assert (info.not_before, info.not_after) == (START, END)
    assert info.not_after.tzinfo is not None
    assert info.fingerprint_sha256 == hashlib.sha256(der).hexdigest()
    assert info.pem.encode() == pem


def test_chain_keeps_order_and_windows_line_endings_are_read() -> None:
    ca_pem, ca_key = make_certificate("Test CA", START, END)
    leaf_pem, _ = make_certificate("leaf", START, END, issuer=("Test CA", ca_key))
    chain = parse_pem_chain((leaf_pem + ca_pem).replace(b"\n", b"\r\n"))
    assert [c.subject.split(",")[0] for c in chain] == ["CN=leaf", "CN=Test CA"]
    assert chain[0].issuer.startswith("CN=Test CA")
    assert parse_pem(leaf_pem + ca_pem).subject.startswith("CN=leaf")


def test_private_keys_are_refused() -> None:
    pem, key = make_certificate("x", START, END)
    with pytest.raises(InvalidCertificateError, match="private key"):
        parse_pem(pem + private_key_pem(key))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"hello", "not a PEM certificate"),
        (b"", "not a PEM certificate"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "cannot be read"),
        (b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "only CERTIFICATE"),
        (b"-----BEGIN CERTIFICATE-----" + b"A" * 300_000, "limit"),
    ],
)
def test_bad_uploads_get_clear_errors(data: bytes, message: str) -> None:
    with pytest.raises(InvalidCertificateError, match=message):
        parse_pem(data)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (START - timedelta(seconds=1), ExpiryStatus.NOT_YET_VALID),
        (START, ExpiryStatus.VALID),
        (END - timedelta(days=31), ExpiryStatus.VALID),
        (END - timedelta(days=30), ExpiryStatus.EXPIRING),
        (END - timedelta(seconds=1), ExpiryStatus.EXPIRING),
        (END, ExpiryStatus.EXPIRED),
    ],
)
def test_expiry_status(now: datetime, expected: ExpiryStatus) -> None:
    assert expiry_status(START, END, now) is expected


def test_expiry_window_and_days_left() -> None:
    info = parse_pem(make_certificate("x", START, END)[0])
    now = END - timedelta(days=60)
    assert info.expiry_status(now) is ExpiryStatus.VALID
    assert info.expiry_status(now, timedelta(days=90)) is ExpiryStatus.EXPIRING
    assert info.days_left(now) == 60
    with pytest.raises(ValueError, match="timezone-aware"):
        info.days_left(datetime(2026, 6, 1))
