"""Partner API keys: generated once, shown once, stored as a hash.

A key reads ``gw_<partner prefix>_<key id><secret>``:

* the partner prefix (2-16 of a-z 0-9) tells a human whose key it is;
* the key id (12 characters) is stored in clear and finds the row without scanning;
* the secret (40 characters, about 238 bits) is stored only as
  SHA-256("gateway-api-key-v1:" + key id + ":" + secret).

A fast hash is enough because the secret is random and long, not a password (no dictionary
to try); the comparison is constant-time (hmac.compare_digest). Both alphabets are base62,
so the key is one "word" to copy and the last "_" separates the prefix.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass

from gateway.errors import InputError, Unauthorized

TOKEN_PREFIX = "gw"  # noqa: S105 - the literal start of every key, not a secret
KEY_ID_LENGTH = 12
SECRET_LENGTH = 40
HASH_DOMAIN = b"gateway-api-key-v1:"
_ALPHABET = string.ascii_letters + string.digits
PARTNER_PREFIX = re.compile(r"[a-z0-9]{2,16}")
_TOKEN = re.compile(
    rf"{TOKEN_PREFIX}_(?P<prefix>[a-z0-9]{{2,16}})_"
    rf"(?P<key_id>[A-Za-z0-9]{{{KEY_ID_LENGTH}}})(?P<secret>[A-Za-z0-9]{{{SECRET_LENGTH}}})"
)


@dataclass(frozen=True, slots=True)
class NewApiKey:
    key_id: str
    token: str
    """The whole key, to show the partner once; never stored."""
    secret_hash: str

    def __repr__(self) -> str:  # keep the token out of logs and tracebacks
        return f"NewApiKey(key_id={self.key_id!r}, token=<hidden>)"


@dataclass(frozen=True, slots=True)
class ParsedKey:
    partner_prefix: str
    key_id: str
    secret: str

    def __repr__(self) -> str:
        return f"ParsedKey(partner_prefix={self.partner_prefix!r}, key_id={self.key_id!r})"


def check_partner_prefix(prefix: str) -> str:
    if not PARTNER_PREFIX.fullmatch(prefix):
        raise InputError(
            f"partner key prefix {prefix!r} must be 2-16 characters of a-z and 0-9"
        )
    return prefix


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def hash_secret(key_id: str, secret: str) -> str:
    return hashlib.sha256(HASH_DOMAIN + f"{key_id}:{secret}".encode("ascii")).hexdigest()


def generate(partner_prefix: str) -> NewApiKey:
    check_partner_prefix(partner_prefix)
    key_id, secret = _random(KEY_ID_LENGTH), _random(SECRET_LENGTH)
    token = f"{TOKEN_PREFIX}_{partner_prefix}_{key_id}{secret}"
    return NewApiKey(key_id=key_id, token=token, secret_hash=hash_secret(key_id, secret))


def parse(token: str) -> ParsedKey:
    """Split a presented key; a malformed one is Unauthorized (the same answer as a wrong one)."""
    match = _TOKEN.fullmatch(token.strip())
    if match is None:
        raise Unauthorized("invalid API key")
    return ParsedKey(match["prefix"], match["key_id"], match["secret"])


def verify(parsed: ParsedKey, secret_hash: str) -> bool:
    """Constant-time comparison of the presented secret with the stored hash."""
    return hmac.compare_digest(hash_secret(parsed.key_id, parsed.secret), secret_hash)
