from __future__ import annotations

import base64
import hashlib

import pytest

from gateway.errors import ConfigurationError
from gateway.transports.endpoint import EndpointConfig, parse_spki_pin
from gateway.webhooks.signing import SigningKey

DIGEST = hashlib.sha256(b"spki").digest()


@pytest.mark.parametrize(
    "pin",
    [
        DIGEST.hex(),
        DIGEST.hex().upper(),
        ":".join(f"{b:02X}" for b in DIGEST),
        "sha256/" + base64.b64encode(DIGEST).decode(),
    ],
)
def test_pin_forms(pin: str) -> None:
    assert parse_spki_pin(pin) == DIGEST


@pytest.mark.parametrize("pin", ["abc", DIGEST.hex()[:-2], "sha256/!!", "sha1/" + "A" * 28])
def test_bad_pin_is_refused(pin: str) -> None:
    with pytest.raises(ConfigurationError, match="pinned_spki_sha256"):
        EndpointConfig("https://partner.example/in", pinned_spki_sha256=(pin,))


def test_pins_become_digests() -> None:
    endpoint = EndpointConfig("https://p.example/", pinned_spki_sha256=[DIGEST.hex()])  # type: ignore[arg-type]
    assert endpoint.pinned_spki_sha256 == (DIGEST.hex(),)
    assert endpoint.pin_digests() == frozenset({DIGEST})


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"client_cert_pem": "/etc/cert.pem"}, "together"),
        ({"client_key_pem": "/etc/key.pem"}, "together"),
        ({"timeout": 0.0}, "timeout"),
        ({"connect_timeout": -1.0}, "connect_timeout"),
        ({"max_receipt_bytes": -1}, "max_receipt_bytes"),
        ({"transport": "HTTP"}, "transport"),
        ({"url": ""}, "url"),
        ({"extra_headers": (("X-Gateway-Message-Id", "x"),)}, "set by the transport"),
        ({"extra_headers": (("Content-Type", "text/plain"),)}, "set by the transport"),
        ({"extra_headers": (("Authorization", "Bearer a\r\nb"),)}, "safe header"),
        (
            {"signing_keys": (SigningKey("k1", b"s" * 16), SigningKey("k1", b"t" * 16))},
            "duplicate",
        ),
    ],
)
def test_invalid_configuration_names_the_field(changes: dict[str, object], reason: str) -> None:
    fields: dict[str, object] = {"url": "https://partner.example/in", **changes}
    with pytest.raises(ConfigurationError, match=reason):
        EndpointConfig(**fields)  # type: ignore[arg-type]


def test_secrets_are_not_in_repr() -> None:
    endpoint = EndpointConfig(
        "https://partner.example/in",
        client_cert_pem="/c.pem",
        client_key_pem="-----BEGIN PRIVATE KEY-----secret",
        signing_keys=(SigningKey("k1", b"super-secret-value"),),
        extra_headers=(("Authorization", "Bearer token-value"),),
    )
    text = repr(endpoint)
    assert "secret" not in text
    assert "token-value" not in text
