"""From a stored partner endpoint (gateway.db.tables.partners.PartnerEndpoint) to the
transport's `EndpointConfig`, and the checks the admin API runs on endpoint settings.

Settings (a JSON object; every key optional)::

    {"ca_pem": "<PEM or path>", "pinned_spki_sha256": ["<hex or sha256/base64>"],
     "client_cert_pem": "<PEM or path>", "client_key_pem": "<PEM or path>",
     "client_key_password_ref": "env:NAME",
     "signing_keys": [{"key_id": "k1", "secret_ref": "env:NAME"}],
     "bearer_token_ref": "env:NAME" | "file:/path",
     "extra_headers": {"X-Partner-Account": "42"},
     "connect_timeout": 10, "timeout": 60, "max_receipt_bytes": 1048576,
     "allow_plain_http": false,
     "peer_certificate_pem": "<PEM or path>"}

``peer_certificate_pem`` is the receiving access point's certificate for a ``peppol-as4``
endpoint with a static URL; a ``peppol-as4`` endpoint without a URL is found through SML/SMP
(gateway.peppol.as4.transport.DISCOVERY_URL).

Secrets are never stored: ``*_ref`` values say where to read them (``env:NAME`` or
``file:/path``, gateway.webhooks.secrets), at send time. A ``pull`` endpoint (or a partner
with no endpoint at all) means the partner fetches its documents from GET /v1/inbox.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gateway.db.tables.partners import PartnerEndpoint
from gateway.errors import ConfigurationError, InputError
from gateway.transports.endpoint import EndpointConfig
from gateway.webhooks.secrets import load_signing_keys, resolve_secret_ref

PULL_TRANSPORT = "pull"
_SECRET_REF_PREFIXES = ("env:", "file:")


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _secret_ref(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(_SECRET_REF_PREFIXES)


def _text_list(value: Any) -> bool:
    return isinstance(value, list) and all(_text(item) for item in value)


def _signing_keys(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, dict) and set(item) == {"key_id", "secret_ref"}
        and _text(item["key_id"]) and _secret_ref(item["secret_ref"])
        for item in value
    )


def _headers(value: Any) -> bool:
    return isinstance(value, dict) and all(
        _text(name) and isinstance(text, str) for name, text in value.items()
    )


SETTING_CHECKS: Mapping[str, tuple[Callable[[Any], bool], str]] = {
    "ca_pem": (_text, "PEM text or a file path"),
    "pinned_spki_sha256": (_text_list, "a list of SHA-256 pins"),
    "client_cert_pem": (_text, "PEM text or a file path"),
    "client_key_pem": (_text, "PEM text or a file path"),
    "client_key_password_ref": (_secret_ref, "env:NAME or file:/path"),
    "signing_keys": (_signing_keys, "a list of {key_id, secret_ref}"),
    "bearer_token_ref": (_secret_ref, "env:NAME or file:/path"),
    "extra_headers": (_headers, "an object of header names to string values"),
    "connect_timeout": (_number, "positive seconds"),
    "timeout": (_number, "positive seconds"),
    "max_receipt_bytes": (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "a number of bytes"
    ),
    "allow_plain_http": (lambda v: isinstance(v, bool), "true or false"),
    "peer_certificate_pem": (_text, "PEM text or a file path"),
}
PEPPOL_AS4_TRANSPORT = "peppol-as4"
SMP_DISCOVERY_URL = "peppol:smp"  # gateway.peppol.as4.transport.DISCOVERY_URL


def check_endpoint_settings(settings: Mapping[str, Any]) -> None:
    """InputError naming the first unknown or malformed setting."""
    for key, value in settings.items():
        check = SETTING_CHECKS.get(key)
        if check is None:
            known = ", ".join(sorted(SETTING_CHECKS))
            raise InputError(f"unknown endpoint setting {key!r}; known settings: {known}")
        predicate, expected = check
        if not predicate(value):
            raise InputError(f"endpoint setting {key!r} must be {expected}")


def is_pull(endpoint: PartnerEndpoint | None) -> bool:
    return endpoint is None or endpoint.transport == PULL_TRANSPORT


def endpoint_config(
    endpoint: PartnerEndpoint, *, env: Mapping[str, str] | None = None
) -> EndpointConfig:
    """The transport configuration of a push endpoint, with its secrets resolved now."""
    url = endpoint.url
    if url is None and endpoint.transport == PEPPOL_AS4_TRANSPORT:
        url = SMP_DISCOVERY_URL  # the transport finds the receiving AP through SML/SMP
    if url is None:
        raise ConfigurationError(
            f"endpoint {endpoint.id} ({endpoint.transport}) has no URL", code="invalid-endpoint"
        )
    settings = dict(endpoint.settings or {})
    try:
        check_endpoint_settings(settings)
    except InputError as exc:
        raise ConfigurationError(f"endpoint {endpoint.id}: {exc.message}",
                                 code="invalid-endpoint") from None
    headers = dict(settings.pop("extra_headers", {}))
    token_ref = settings.pop("bearer_token_ref", None)
    if token_ref is not None:
        token = resolve_secret_ref(token_ref, env=env).decode("utf-8")
        headers["Authorization"] = f"Bearer {token}"
    password_ref = settings.pop("client_key_password_ref", None)
    if password_ref is not None:
        settings["client_key_password"] = resolve_secret_ref(password_ref, env=env).decode()
    keys = load_signing_keys(settings.pop("signing_keys", []), env=env)
    return EndpointConfig(
        url=url, transport=endpoint.transport, signing_keys=keys,
        extra_headers=tuple(headers.items()),
        pinned_spki_sha256=tuple(settings.pop("pinned_spki_sha256", ())),
        **settings,
    )
