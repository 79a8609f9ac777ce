"""Outbound webhooks: HMAC-SHA256 request signatures and pure delivery planning."""

from gateway.webhooks.delivery import (
    WebhookEvent,
    event_payload,
    new_event,
    next_attempt_at,
    webhook_envelope,
)
from gateway.webhooks.secrets import load_signing_keys, resolve_secret_ref
from gateway.webhooks.signing import (
    KEY_ID_HEADER,
    SIGNATURE_HEADER,
    BadSignatureError,
    SignatureError,
    SignatureMalformedError,
    SignatureMissingError,
    SigningKey,
    StaleSignatureError,
    UnknownKeyIdError,
    sign,
    sign_with_keys,
    verify,
)

__all__ = [
    "KEY_ID_HEADER",
    "SIGNATURE_HEADER",
    "BadSignatureError",
    "SignatureError",
    "SignatureMalformedError",
    "SignatureMissingError",
    "SigningKey",
    "StaleSignatureError",
    "UnknownKeyIdError",
    "WebhookEvent",
    "event_payload",
    "load_signing_keys",
    "new_event",
    "next_attempt_at",
    "resolve_secret_ref",
    "sign",
    "sign_with_keys",
    "verify",
    "webhook_envelope",
]
