"""API keys: format, hash-only storage, constant-time verification."""

from __future__ import annotations

import hashlib

import pytest

from gateway.errors import InputError, Unauthorized
from gateway.partners import api_keys


def test_generated_key_has_the_documented_shape() -> None:
    new = api_keys.generate("acme")
    assert new.token.startswith("gw_acme_")
    assert len(new.token) == len("gw_acme_") + api_keys.KEY_ID_LENGTH + api_keys.SECRET_LENGTH
    assert new.token[len("gw_acme_"):].startswith(new.key_id)
    secret = new.token[-api_keys.SECRET_LENGTH:]
    expected = hashlib.sha256(f"gateway-api-key-v1:{new.key_id}:{secret}".encode()).hexdigest()
    assert new.secret_hash == expected
    assert secret not in new.secret_hash
    assert new.token not in repr(new)


def test_keys_are_unique() -> None:
    tokens = {api_keys.generate("acme").token for _ in range(200)}
    assert len(tokens) == 200


def test_verify_accepts_only_the_right_secret() -> None:
    new = api_keys.generate("acme")
    parsed = api_keys.parse(new.token)
    assert (parsed.partner_prefix, parsed.key_id) == ("acme", new.key_id)
    assert api_keys.verify(parsed, new.secret_hash)
    wrong_char = "A" if new.token[-1] != "A" else "B"
    assert not api_keys.verify(api_keys.parse(new.token[:-1] + wrong_char), new.secret_hash)
    other = api_keys.generate("acme")
    assert not api_keys.verify(parsed, other.secret_hash)
    assert new.token not in repr(parsed)


@pytest.mark.parametrize(
    "token",
    ["", "gw_acme_", "Bearer x", "gw_ACME_" + "a" * 52, "gw_acme_" + "a" * 51,
     "gw_acme_" + "a" * 53, "gw_acme_" + "a" * 51 + "-", "xx_acme_" + "a" * 52],
)
def test_malformed_keys_are_unauthorized(token: str) -> None:
    with pytest.raises(Unauthorized, match="invalid API key"):
        api_keys.parse(token)


@pytest.mark.parametrize("prefix", ["a", "ACME", "acme_co", "x" * 17, "ac me"])
def test_partner_prefix_rules(prefix: str) -> None:
    with pytest.raises(InputError, match="a-z and 0-9"):
        api_keys.generate(prefix)
