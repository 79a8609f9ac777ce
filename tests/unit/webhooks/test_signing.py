from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.errors import ConfigurationError, Unauthorized
from gateway.webhooks.signing import (
    KEY_ID_HEADER,
    SIGNATURE_HEADER,
    BadSignatureError,
    SignatureMalformedError,
    SignatureMissingError,
    SigningKey,
    StaleSignatureError,
    UnknownKeyIdError,
    parse_signature_header,
    sign,
    sign_with_keys,
    verify,
)

SECRET = b"whsec_0123456789abcdef"
OLD_SECRET = b"whsec_old_fedcba9876543210"
BODY = b'{"id":"evt_1","type":"invoice.delivered"}'
T0 = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # unix 1700000000


def test_known_vector_matches_openssl() -> None:
    # printf '1700000000.<body>' | openssl dgst -sha256 -hmac 'whsec_0123456789abcdef'
    headers = sign(BODY, SECRET, "k1", T0)
    assert headers == {
        SIGNATURE_HEADER: "t=1700000000,"
        "v1=ee7a30bcb9cdd9caf2507ef6eea0de184c3a0c29b4128a256b680fd76eacd9f4",
        KEY_ID_HEADER: "k1",
    }


def test_round_trip_returns_the_key_id() -> None:
    headers = sign(BODY, SECRET, "k1", T0)
    assert verify(headers, BODY, {"k1": SECRET}, now=T0 + timedelta(seconds=10)) == "k1"


def test_header_names_are_case_insensitive() -> None:
    headers = {k.lower(): v for k, v in sign(BODY, SECRET, "k1", T0).items()}
    assert verify(headers, BODY, {"k1": SECRET}, now=T0) == "k1"


def test_tampered_body_is_rejected() -> None:
    headers = sign(BODY, SECRET, "k1", T0)
    with pytest.raises(BadSignatureError, match="does not match"):
        verify(headers, BODY.replace(b"delivered", b"paid"), {"k1": SECRET}, now=T0)


def test_tampered_timestamp_is_rejected() -> None:
    headers = sign(BODY, SECRET, "k1", T0)
    headers[SIGNATURE_HEADER] = headers[SIGNATURE_HEADER].replace("t=1700000000", "t=1700000100")
    with pytest.raises(BadSignatureError):
        verify(headers, BODY, {"k1": SECRET}, now=T0)


def test_wrong_secret_is_rejected() -> None:
    headers = sign(BODY, SECRET, "k1", T0)
    with pytest.raises(BadSignatureError):
        verify(headers, BODY, {"k1": OLD_SECRET}, now=T0)


@pytest.mark.parametrize("offset", [301, -301, 3600])
def test_stale_or_future_timestamp_is_rejected(offset: int) -> None:
    headers = sign(BODY, SECRET, "k1", T0)
    with pytest.raises(StaleSignatureError, match="tolerance is 300 s"):
        verify(headers, BODY, {"k1": SECRET}, now=T0 + timedelta(seconds=offset))


def test_tolerance_is_inclusive_and_configurable() -> None:
    headers = sign(BODY, SECRET, "k1", T0)
    assert verify(headers, BODY, {"k1": SECRET}, now=T0 + timedelta(seconds=300)) == "k1"
    with pytest.raises(StaleSignatureError):
        verify(
            headers,
            BODY,
            {"k1": SECRET},
            now=T0 + timedelta(seconds=61),
            tolerance=timedelta(seconds=60),
        )


def test_a_forged_old_request_is_reported_as_bad_not_stale() -> None:
    headers = sign(BODY, OLD_SECRET, "k1", T0)
    with pytest.raises(BadSignatureError):
        verify(headers, BODY, {"k1": SECRET}, now=T0 + timedelta(days=1))


def test_rotation_both_signatures_verify_with_either_secret() -> None:
    keys = [SigningKey("k2", SECRET), SigningKey("k1", OLD_SECRET)]
    headers = sign_with_keys(BODY, keys, T0)
    assert headers[KEY_ID_HEADER] == "k2,k1"
    assert headers[SIGNATURE_HEADER].count("v1=") == 2
    assert verify(headers, BODY, {"k1": OLD_SECRET}, now=T0) == "k1"
    assert verify(headers, BODY, {"k2": SECRET}, now=T0) == "k2"
    assert verify(headers, BODY, {"k1": OLD_SECRET, "k2": SECRET}, now=T0) == "k2"


def test_receiver_holding_both_keys_accepts_sender_on_either() -> None:
    receiver = {"k1": OLD_SECRET, "k2": SECRET}
    assert verify(sign(BODY, OLD_SECRET, "k1", T0), BODY, receiver, now=T0) == "k1"
    assert verify(sign(BODY, SECRET, "k2", T0), BODY, receiver, now=T0) == "k2"


def test_unknown_key_id_names_the_ids() -> None:
    headers = sign(BODY, SECRET, "k9", T0)
    with pytest.raises(UnknownKeyIdError, match="k9"):
        verify(headers, BODY, {"k1": SECRET}, now=T0)


@pytest.mark.parametrize("missing", [SIGNATURE_HEADER, KEY_ID_HEADER])
def test_missing_header_is_named(missing: str) -> None:
    headers = sign(BODY, SECRET, "k1", T0)
    del headers[missing]
    with pytest.raises(SignatureMissingError, match=missing):
        verify(headers, BODY, {"k1": SECRET}, now=T0)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("v1=" + "a" * 64, "exactly one t="),
        ("t=1,t=2,v1=" + "a" * 64, "exactly one t="),
        ("t=abc,v1=" + "a" * 64, "not unix seconds"),
        ("t=1700000000", "no v1="),
        ("t=1700000000,v1=XYZ", "64 lowercase hex"),
        ("t=1700000000,v1=" + "A" * 64, "64 lowercase hex"),
        ("t=1700000000,garbage", "not name=value"),
        ("t=1700000000" + ",v1=" + "a" * 64 * 1 + (",v1=" + "b" * 64) * 8, "more than 8"),
    ],
)
def test_malformed_signature_header(value: str, reason: str) -> None:
    headers = {SIGNATURE_HEADER: value, KEY_ID_HEADER: "k1"}
    with pytest.raises(SignatureMalformedError, match=reason):
        verify(headers, BODY, {"k1": SECRET}, now=T0)


def test_malformed_key_id_header() -> None:
    headers = sign(BODY, SECRET, "k1", T0)
    headers[KEY_ID_HEADER] = "k1, bad key"
    with pytest.raises(SignatureMalformedError, match="not a valid key id"):
        verify(headers, BODY, {"k1": SECRET}, now=T0)


def test_unknown_schemes_are_ignored() -> None:
    headers = sign(BODY, SECRET, "k1", T0)
    headers[SIGNATURE_HEADER] += ",v0=deadbeef,v2=whatever"
    assert verify(headers, BODY, {"k1": SECRET}, now=T0) == "k1"
    assert parse_signature_header(headers[SIGNATURE_HEADER]).timestamp == 1700000000


def test_signature_errors_are_401_with_codes() -> None:
    headers = sign(BODY, SECRET, "k1", T0)
    with pytest.raises(Unauthorized) as caught:
        verify(headers, b"other", {"k1": SECRET}, now=T0)
    assert caught.value.http_status == 401
    assert caught.value.code == "signature-mismatch"


def test_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        sign(BODY, SECRET, "k1", datetime(2024, 1, 1))


@pytest.mark.parametrize(
    ("key_id", "secret", "reason"),
    [("k1", b"short", "16"), ("bad id", SECRET, "key id"), ("", SECRET, "key id")],
)
def test_signing_key_validation(key_id: str, secret: bytes, reason: str) -> None:
    with pytest.raises(ConfigurationError, match=reason):
        SigningKey(key_id, secret)


def test_signing_key_repr_hides_the_secret() -> None:
    assert SECRET.decode() not in repr(SigningKey("k1", SECRET))
