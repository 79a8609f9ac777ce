"""scrypt password hashes with a per-user salt."""

from __future__ import annotations

import pytest

from gateway.admin.passwords import (
    DUMMY_HASH,
    PasswordPolicyError,
    ScryptCost,
    hash_password,
    needs_rehash,
    verify_password,
)

CHEAP = ScryptCost(n=2**10, r=8, p=1)


def test_hash_verifies_and_salts_each_user() -> None:
    first = hash_password("a long enough password", cost=CHEAP)
    second = hash_password("a long enough password", cost=CHEAP)
    assert first != second  # per-user salt
    assert first.startswith("scrypt$1024$8$1$")
    assert verify_password("a long enough password", first)
    assert not verify_password("a long enough passwork", first)


def test_policy_and_unreadable_hashes() -> None:
    with pytest.raises(PasswordPolicyError, match="at least 12"):
        hash_password("short")
    with pytest.raises(PasswordPolicyError, match="at most"):
        hash_password("x" * 2000)
    assert not verify_password("anything at all", "md5$abc")
    assert not verify_password("anything at all", "scrypt$x$8$1$00$00")
    assert not verify_password("anything at all", DUMMY_HASH)
    assert not verify_password("x" * 5000, hash_password("a long enough password", cost=CHEAP))


def test_needs_rehash_when_the_cost_changes() -> None:
    stored = hash_password("a long enough password", cost=CHEAP)
    assert needs_rehash(stored)
    assert not needs_rehash(stored, CHEAP)
