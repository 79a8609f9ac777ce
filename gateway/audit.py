"""The append-only, tamper-evident audit log.

Every entry is chained to the previous one::

    entry_hash = sha256(prev_hash + canonical_json(entry))      (hex; prev_hash of seq 1 = 64 "0")

where the hashed entry holds seq, at, actor, action, subject type and id, and the data. `seq`
is contiguous from 1, so `verify` detects an edited entry (its hash no longer matches), a
deleted one (a gap in seq, or a prev_hash that no longer links), and reordered ones (seq is
hashed and the links break). Deleting the newest entries leaves a valid shorter chain: record
the head hash that `verify` reports somewhere else (a ticket, a log shipper) and pass it back
as `expected_head` to detect truncation too.

Writing: `record(session, ...)` queues an entry on the session; the commit of a
`AuditingSession` writes the queued entries in the same transaction, so a state change and
its audit entry are committed together or not at all. Appending is serialised: SQLite's
BEGIN IMMEDIATE already admits one writer; on PostgreSQL a transaction-scoped advisory lock is
taken at commit time, after every other change was flushed, so the lock holder never waits
for another lock (no deadlock) and holds it only for the insert.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from gateway.db.base import require_aware
from gateway.db.tables.audit import AuditEntry
from gateway.errors import ConfigurationError

GENESIS_HASH = "0" * 64
PENDING_KEY = "gateway.audit.pending"
# pg_advisory_xact_lock key: the bytes "gw-audit" as a signed 64-bit integer.
ADVISORY_LOCK_KEY = int.from_bytes(b"gw-audit", "big", signed=True)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """An entry before it is chained (what `record` queues)."""

    actor: str
    action: str
    subject_type: str
    subject_id: str
    at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)


class AuditingSession(Session):
    """A Session whose commit writes the audit entries queued on it."""


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text; Decimal and datetime as strings, floats refused.

    Floats are refused because they do not round-trip byte-exact through every database and
    language; money is Decimal in this project anyway.
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default,
        allow_nan=False,
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return require_aware(value).isoformat()
    raise TypeError(f"audit data: {type(value).__name__} is not JSON serialisable")


def _check_no_floats(value: Any, path: str = "data") -> None:
    if isinstance(value, float):
        raise ValueError(f"audit {path} is a float; use a Decimal or a string")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_no_floats(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_no_floats(item, f"{path}[{index}]")


def format_time(at: datetime) -> str:
    """The hashed form of a time: UTC, microseconds, ISO 8601 (what both databases keep)."""
    return require_aware(at).astimezone(UTC).isoformat(timespec="microseconds")


def compute_hash(
    prev_hash: str, seq: int, at: datetime, actor: str, action: str, subject_type: str,
    subject_id: str, data_json: str,
) -> str:
    body = canonical_json({
        "seq": seq, "at": format_time(at), "actor": actor, "action": action,
        "subject_type": subject_type, "subject_id": subject_id, "data": data_json,
    })
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def record(
    session: AsyncSession | Session,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    at: datetime,
    data: Mapping[str, Any] | None = None,
) -> None:
    """Queue an audit entry; the session's commit writes it (same transaction)."""
    sync_session = session.sync_session if isinstance(session, AsyncSession) else session
    if not isinstance(sync_session, AuditingSession):
        raise ConfigurationError(
            "audit entries need a session from gateway.db.Database (an AuditingSession)"
        )
    payload = dict(data or {})
    _check_no_floats(payload)
    canonical_json(payload)  # fail now, at the call site, for unserialisable data
    entry = AuditRecord(actor, action, subject_type, subject_id, require_aware(at, "at"), payload)
    sync_session.info.setdefault(PENDING_KEY, []).append(entry)


def pending(session: AsyncSession | Session) -> list[AuditRecord]:
    sync_session = session.sync_session if isinstance(session, AsyncSession) else session
    return list(sync_session.info.get(PENDING_KEY, []))


def write_pending(session: Session) -> list[AuditEntry]:
    """Chain and insert the queued entries now (the commit hook calls this)."""
    queued: list[AuditRecord] = session.info.pop(PENDING_KEY, [])
    if not queued:
        return []
    session.flush()  # every other change first: the chain lock must be the last lock taken
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (head[0], head[1]) if head else (0, GENESIS_HASH)
    entries = []
    for item in queued:
        seq += 1
        data_json = canonical_json(dict(item.data))
        entry_hash = compute_hash(
            prev_hash, seq, item.at, item.actor, item.action, item.subject_type,
            item.subject_id, data_json,
        )
        entries.append(AuditEntry(
            seq=seq, at=item.at, actor=item.actor, action=item.action,
            subject_type=item.subject_type, subject_id=item.subject_id, data=data_json,
            prev_hash=prev_hash, entry_hash=entry_hash,
        ))
        prev_hash = entry_hash
    session.add_all(entries)
    session.flush()
    return entries


async def flush(session: AsyncSession) -> list[AuditEntry]:
    """Write the queued entries now instead of at commit (still in the caller's transaction)."""
    return await session.run_sync(write_pending)


@event.listens_for(AuditingSession, "before_commit")
def _write_on_commit(session: Session) -> None:
    write_pending(session)


@event.listens_for(AuditingSession, "after_rollback")
def _drop_on_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


# --- verification ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    entries: int
    """How many entries were checked (up to and including the first broken one)."""
    head_hash: str
    """The entry_hash of the last good entry (GENESIS_HASH for an empty log)."""
    broken_seq: int | None = None
    """The seq at which the chain breaks (the expected seq when an entry is missing)."""
    index: int | None = None
    """0-based position of the broken entry in seq order."""
    reason: str | None = None


class ChainVerifier:
    """Checks entries fed in seq order; stops at the first break."""

    def __init__(self) -> None:
        self.count = 0
        self.prev_hash = GENESIS_HASH
        self.failure: VerifyResult | None = None

    def feed(self, entry: AuditEntry) -> bool:
        """Check one entry; False (and `failure` set) when the chain is broken here."""
        expected_seq = self.count + 1
        reason = self._problem(entry, expected_seq)
        if reason is not None:
            self.failure = VerifyResult(
                ok=False, entries=self.count + 1, head_hash=self.prev_hash,
                broken_seq=expected_seq if entry.seq > expected_seq else entry.seq,
                index=self.count, reason=reason,
            )
            return False
        self.count += 1
        self.prev_hash = entry.entry_hash
        return True

    def _problem(self, entry: AuditEntry, expected_seq: int) -> str | None:
        if entry.seq != expected_seq:
            missing = f"{expected_seq}" if entry.seq == expected_seq + 1 else (
                f"{expected_seq}..{entry.seq - 1}"
            )
            return f"entry {missing} is missing (found seq {entry.seq} next): deleted entries"
        if entry.prev_hash != self.prev_hash:
            return (
                f"entry {entry.seq} does not link to the entry before it (prev_hash differs): "
                "an entry was deleted, inserted or reordered"
            )
        actual = compute_hash(
            entry.prev_hash, entry.seq, entry.at, entry.actor, entry.action, entry.subject_type,
            entry.subject_id, entry.data,
        )
        if actual != entry.entry_hash:
            return f"entry {entry.seq} was edited: its content does not match its hash"
        return None

    def result(self, expected_head: str | None = None) -> VerifyResult:
        if self.failure is not None:
            return self.failure
        if expected_head is not None and expected_head != self.prev_hash:
            return VerifyResult(
                ok=False, entries=self.count, head_hash=self.prev_hash,
                broken_seq=self.count + 1, index=self.count,
                reason=(
                    f"the log ends at entry {self.count} with head {self.prev_hash}, not at "
                    f"the expected head {expected_head}: entries were removed from the end"
                ),
            )
        return VerifyResult(ok=True, entries=self.count, head_hash=self.prev_hash)


def verify_entries(entries: Iterable[AuditEntry], expected_head: str | None = None) -> VerifyResult:
    """Verify entries given in seq order (pure; `verify` streams them from the database)."""
    verifier = ChainVerifier()
    for entry in entries:
        if not verifier.feed(entry):
            break
    return verifier.result(expected_head)


async def iter_entries(
    session: AsyncSession, *, batch_size: int = 1000
) -> AsyncIterator[AuditEntry]:
    """All entries in seq order, read in batches (keyset pagination on seq)."""
    after = 0
    while True:
        batch = (await session.scalars(
            select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq)
            .limit(batch_size)
        )).all()
        for entry in batch:
            yield entry
        if len(batch) < batch_size:
            return
        after = batch[-1].seq


async def verify(
    session: AsyncSession, *, expected_head: str | None = None, batch_size: int = 1000
) -> VerifyResult:
    """Verify the whole chain; the result names the first broken entry and why."""
    verifier = ChainVerifier()
    async for entry in iter_entries(session, batch_size=batch_size):
        if not verifier.feed(entry):
            break
        session.expunge(entry)  # keep memory flat on long logs
    return verifier.result(expected_head)


async def head(session: AsyncSession) -> tuple[int, str]:
    """(seq, entry_hash) of the newest entry; (0, GENESIS_HASH) for an empty log."""
    row = (await session.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    )).first()
    return (row[0], row[1]) if row else (0, GENESIS_HASH)
