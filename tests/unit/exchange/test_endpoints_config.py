"""Endpoint settings → EndpointConfig: secrets by reference only, unknown settings refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.db.tables.partners import PartnerEndpoint
from gateway.errors import ConfigurationError, InputError
from gateway.exchange.endpoints import check_endpoint_settings, endpoint_config, is_pull
from gateway.exchange.inbound import message_id_for

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def endpoint(transport: str = "http", url: str | None = "https://p.example/in",
             **settings: object) -> PartnerEndpoint:
    return PartnerEndpoint(id="e1", partner_id="p1", transport=transport, url=url,
                           settings=settings, priority=0, enabled=True, created_at=NOW,
                           updated_at=NOW)


def test_secrets_are_resolved_from_references_at_send_time() -> None:
    env = {"TOKEN": "s3cr3t", "HOOK": "a-signing-secret-16b+"}
    config = endpoint_config(endpoint(
        bearer_token_ref="env:TOKEN", timeout=5,
        signing_keys=[{"key_id": "k1", "secret_ref": "env:HOOK"}],
        extra_headers={"X-Account": "42"}), env=env)
    assert dict(config.extra_headers) == {"X-Account": "42", "Authorization": "Bearer s3cr3t"}
    assert config.timeout == 5
    assert config.signing_secrets() == {"k1": b"a-signing-secret-16b+"}


def test_missing_secret_names_the_reference() -> None:
    with pytest.raises(ConfigurationError, match="TOKEN"):
        endpoint_config(endpoint(bearer_token_ref="env:TOKEN"), env={})


@pytest.mark.parametrize(("settings", "word"), [
    ({"bearer_token": "inline secret"}, "unknown endpoint setting"),
    ({"timeout": -1}, "positive seconds"),
    ({"signing_keys": [{"key_id": "k1", "secret": "x"}]}, "key_id, secret_ref"),
    ({"allow_plain_http": "yes"}, "true or false"),
])
def test_bad_settings_are_refused(settings: dict[str, object], word: str) -> None:
    with pytest.raises(InputError, match=word):
        check_endpoint_settings(settings)


def test_pull_endpoints_and_no_endpoint_mean_the_inbox() -> None:
    assert is_pull(None)
    assert is_pull(endpoint(transport="pull", url=None))
    assert not is_pull(endpoint())


def test_message_id_defaults_to_the_checksum() -> None:
    assert message_id_for(None, b"abc").startswith("sha256:ba7816bf")
    assert message_id_for(" m-1 ", b"abc") == "m-1"
    with pytest.raises(InputError):
        message_id_for("x" * 300, b"abc")
