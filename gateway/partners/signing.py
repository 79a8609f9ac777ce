"""A partner's document-signing policy, kept in its settings (docs/api.md).

The ``signing`` object of the partner's settings JSON is read by
``gateway.signing.SigningPolicy.from_mapping``: ``{"outbound": "none" | "xmldsig" |
"xades-bes", "require_inbound": bool, "accepted_kinds": ["xmldsig", "xades-bes"]}``.
No ``signing`` object: nothing is signed for the partner and nothing is required from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.db.tables.partners import Partner
from gateway.errors import ConfigurationError, InputError
from gateway.signing.policy import SigningPolicy

SIGNING_KEY = "signing"
NO_POLICY = SigningPolicy()


def check_partner_settings(settings: Mapping[str, Any] | None) -> None:
    """InputError (400) when the partner settings hold an invalid ``signing`` policy."""
    if settings is None or SIGNING_KEY not in settings:
        return
    value = settings[SIGNING_KEY]
    if not isinstance(value, Mapping):
        raise InputError("settings.signing must be an object (the partner's signing policy)")
    try:
        SigningPolicy.from_mapping(value)
    except ConfigurationError as exc:
        raise InputError(f"settings.signing: {exc.message}",
                         code="invalid-signing-policy") from None


def partner_policy(partner: Partner) -> SigningPolicy:
    """The policy stored on the partner (validated when it was set)."""
    value = (partner.settings or {}).get(SIGNING_KEY)
    if not isinstance(value, Mapping):
        return NO_POLICY
    return SigningPolicy.from_mapping(value)
