"""Admin passwords: scrypt (RFC 7914) with a per-user random salt, via hashlib.scrypt.

Stored as ``scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>`` so the cost can be raised later
without invalidating existing hashes (`needs_rehash`). N=2**15, r=8, p=1 is OWASP's
recommended minimum for scrypt; it needs 32 MiB, hence the explicit maxmem.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

SCHEME = "scrypt"
SALT_BYTES = 16
HASH_BYTES = 32
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class ScryptCost:
    n: int = 2**15
    r: int = 8
    p: int = 1

    @property
    def maxmem(self) -> int:
        return 128 * self.r * (self.n + self.p + 2)


DEFAULT_COST = ScryptCost()


class PasswordPolicyError(ValueError):
    """The password is too short or too long."""


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"the password may have at most {MAX_PASSWORD_LENGTH} characters")


def _derive(password: str, salt: bytes, cost: ScryptCost) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=cost.n, r=cost.r, p=cost.p,
                          maxmem=cost.maxmem, dklen=HASH_BYTES)


def hash_password(password: str, *, cost: ScryptCost = DEFAULT_COST) -> str:
    check_password_policy(password)
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _derive(password, salt, cost)
    return f"{SCHEME}${cost.n}${cost.r}${cost.p}${salt.hex()}${digest.hex()}"


def _parse(stored: str) -> tuple[ScryptCost, bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return None
    try:
        cost = ScryptCost(int(parts[1]), int(parts[2]), int(parts[3]))
        return cost, bytes.fromhex(parts[4]), bytes.fromhex(parts[5])
    except ValueError:
        return None


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches; False for a wrong password or an unreadable hash."""
    parsed = _parse(stored)
    if parsed is None or len(password) > MAX_PASSWORD_LENGTH:
        return False
    cost, salt, expected = parsed
    return hmac.compare_digest(_derive(password, salt, cost), expected)


def needs_rehash(stored: str, cost: ScryptCost = DEFAULT_COST) -> bool:
    parsed = _parse(stored)
    return parsed is None or parsed[0] != cost


DUMMY_HASH = (f"{SCHEME}${DEFAULT_COST.n}${DEFAULT_COST.r}${DEFAULT_COST.p}$"
              f"{'00' * SALT_BYTES}${'00' * HASH_BYTES}")
"""Verified against when the username is unknown, so both failures take the same time."""
