"""The audit hash chain, verified without a database."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from gateway.audit import (
    GENESIS_HASH,
    AuditRecord,
    canonical_json,
    compute_hash,
    verify_entries,
)
from gateway.db.tables.audit import AuditEntry

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def _chain(count: int) -> list[AuditEntry]:
    entries, prev = [], GENESIS_HASH
    for n in range(1, count + 1):
        record = AuditRecord("admin", "partner.created", "partner", f"p-{n}",
                             T0 + timedelta(seconds=n), {"n": n})
        data = canonical_json(dict(record.data))
        digest = compute_hash(prev, n, record.at, record.actor, record.action,
                              record.subject_type, record.subject_id, data)
        entries.append(AuditEntry(seq=n, at=record.at, actor=record.actor, action=record.action,
                                  subject_type=record.subject_type,
                                  subject_id=record.subject_id, data=data, prev_hash=prev,
                                  entry_hash=digest))
        prev = digest
    return entries


def test_intact_chain() -> None:
    entries = _chain(5)
    result = verify_entries(entries)
    assert result.ok
    assert result.entries == 5
    assert result.head_hash == entries[-1].entry_hash
    assert verify_entries([]).head_hash == GENESIS_HASH


def test_edit_is_found_at_its_index() -> None:
    entries = _chain(5)
    entries[3].data = '{"n":999}'
    result = verify_entries(entries)
    assert (result.ok, result.broken_seq, result.index) == (False, 4, 3)
    assert "edited" in (result.reason or "")
    assert result.head_hash == entries[2].entry_hash  # the last good entry


def test_deletion_is_a_gap() -> None:
    entries = _chain(5)
    del entries[1:3]
    result = verify_entries(entries)
    assert (result.broken_seq, result.index) == (2, 1)
    assert "2..3 is missing" in (result.reason or "")


def test_reordering_breaks_the_links() -> None:
    entries = _chain(4)
    entries[1], entries[2] = entries[2], entries[1]
    entries[1].seq, entries[2].seq = 2, 3
    result = verify_entries(entries)
    assert not result.ok
    assert result.broken_seq == 2


def test_a_re_hashed_edit_still_breaks_the_next_link() -> None:
    """An attacker who recomputes the edited entry's hash breaks the following entry."""
    entries = _chain(3)
    edited = entries[1]
    edited.actor = "mallory"
    edited.entry_hash = compute_hash(edited.prev_hash, 2, edited.at, edited.actor, edited.action,
                                     edited.subject_type, edited.subject_id, edited.data)
    result = verify_entries(entries)
    assert (result.broken_seq, "does not link" in (result.reason or "")) == (3, True)


def test_truncation_needs_the_expected_head() -> None:
    entries = _chain(4)
    assert verify_entries(entries[:3]).ok
    result = verify_entries(entries[:3], expected_head=entries[3].entry_hash)
    assert not result.ok
    assert result.broken_seq == 4


def test_canonical_json_is_deterministic_and_strict() -> None:
    text = canonical_json({"b": [1, Decimal("10.50")], "a": "ø", "t": T0})
    assert text == '{"a":"ø","b":[1,"10.50"],"t":"2026-05-01T08:00:00+00:00"}'
    assert json.loads(text)["b"][1] == "10.50"
    with pytest.raises(TypeError):
        canonical_json({"x": object()})
    with pytest.raises(ValueError, match="timezone-aware"):
        canonical_json({"t": T0.replace(tzinfo=None)})


def test_hash_covers_every_field() -> None:
    base = ("0" * 64, 1, T0, "actor", "action", "type", "id", "{}")
    digest = compute_hash(*base)
    for index, changed in enumerate(["1" * 64, 2, T0 + timedelta(microseconds=1), "x", "x",
                                     "x", "x", '{"a":1}']):
        args = list(base)
        args[index] = changed
        assert compute_hash(*args) != digest, index  # type: ignore[arg-type]
    assert replace(AuditRecord("a", "b", "c", "d", T0), actor="z").actor == "z"
