"""Signing secrets by reference: the database stores ``env:NAME`` or ``file:/path``, never a secret.

Matches the ``signing_keys`` column of gateway.db.tables.webhooks (a list of
``{"key_id": ..., "secret_ref": ...}``). Errors name the key id and the reference, never the
secret.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from gateway.errors import ConfigurationError
from gateway.webhooks.signing import SigningKey


def _error(message: str) -> ConfigurationError:
    return ConfigurationError(message, code="signing-secret-unavailable")


def resolve_secret_ref(ref: str, *, env: Mapping[str, str] | None = None) -> bytes:
    """The secret bytes behind ``env:NAME`` (UTF-8) or ``file:/path`` (trailing newline dropped)."""
    scheme, _, target = ref.partition(":")
    if scheme == "env" and target:
        value = (os.environ if env is None else env).get(target)
        if not value:
            raise _error(f"secret reference {ref!r}: environment variable {target} is not set")
        return value.encode("utf-8")
    if scheme == "file" and target:
        try:
            return Path(target).read_bytes().rstrip(b"\r\n")
        except OSError as exc:
            raise _error(
                f"secret reference {ref!r}: cannot read the file ({exc.strerror})"
            ) from None
    raise _error(f"secret reference {ref!r} must be env:NAME or file:/path")


def load_signing_keys(
    entries: Sequence[Mapping[str, str]], *, env: Mapping[str, str] | None = None
) -> tuple[SigningKey, ...]:
    """``[{"key_id": "k2", "secret_ref": "env:HOOK_K2"}, ...]`` → signing keys, in order."""
    keys = []
    for entry in entries:
        key_id, ref = entry.get("key_id"), entry.get("secret_ref")
        if not key_id or not ref:
            raise _error("each signing key entry needs 'key_id' and 'secret_ref'")
        keys.append(SigningKey(key_id, resolve_secret_ref(ref, env=env)))
    return tuple(keys)
