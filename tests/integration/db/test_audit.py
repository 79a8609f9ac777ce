"""The audit log: entries chained at commit; verify detects edits, deletions, reordering."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from gateway import audit
from gateway.audit import GENESIS_HASH
from gateway.cli.main import cli
from gateway.db.database import Database
from gateway.db.migrations import upgrade
from gateway.errors import ConfigurationError
from tests.integration.db.helpers import T0, at

DROP_GUARDS = {
    "sqlite": ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"],
    "postgresql": ["DROP TRIGGER audit_log_no_change ON audit_log"],
}


async def _write(database: Database, count: int) -> None:
    async with database.transaction() as session:
        for n in range(count):
            audit.record(session, actor="admin:ops", action="partner.created",
                         subject_type="partner", subject_id=f"p-{n}", at=at(n),
                         data={"name": f"Partner {n}", "amount": "10.50", "tags": ["a", n]})


async def _tamper(database: Database, *statements: str) -> None:
    async with database.engine.begin() as connection:
        for statement in [*DROP_GUARDS[database.dialect], *statements]:
            await connection.execute(text(statement))


async def _verify(database: Database, expected_head: str | None = None) -> audit.VerifyResult:
    async with database.read() as session:
        return await audit.verify(session, expected_head=expected_head, batch_size=3)


async def test_entries_are_chained_at_commit(database: Database) -> None:
    await _write(database, 4)
    await _write(database, 3)
    result = await _verify(database)
    assert result.ok
    assert result.entries == 7
    async with database.read() as session:
        seq, head = await audit.head(session)
        entries = [e async for e in audit.iter_entries(session)]
    assert (seq, head) == (7, result.head_hash)
    assert [e.seq for e in entries] == list(range(1, 8))
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(entries))
    assert entries[0].at == T0


async def test_rolled_back_work_leaves_no_entry(database: Database) -> None:
    async def failing_change() -> None:
        async with database.transaction() as session:
            audit.record(session, actor="a", action="x", subject_type="t", subject_id="1", at=T0)
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        await failing_change()
    await _write(database, 1)
    result = await _verify(database)
    assert result.ok
    assert result.entries == 1


async def test_edited_entry_is_detected(database: Database) -> None:
    await _write(database, 5)
    await _tamper(database, "UPDATE audit_log SET data = '{\"name\":\"Mallory\"}' WHERE seq = 3")
    result = await _verify(database)
    assert not result.ok
    assert (result.broken_seq, result.index) == (3, 2)
    assert "edited" in (result.reason or "")


async def test_edited_actor_or_time_is_detected(database: Database) -> None:
    await _write(database, 3)
    await _tamper(database, "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
    assert (await _verify(database)).broken_seq == 2


async def test_deleted_entry_is_detected(database: Database) -> None:
    await _write(database, 5)
    await _tamper(database, "DELETE FROM audit_log WHERE seq = 2")
    result = await _verify(database)
    assert not result.ok
    assert result.broken_seq == 2
    assert "missing" in (result.reason or "")


async def test_deleted_and_renumbered_entries_are_detected(database: Database) -> None:
    """Deleting entry 2 and renumbering the rest to hide the gap breaks the links."""
    await _write(database, 4)
    await _tamper(database, "DELETE FROM audit_log WHERE seq = 2",
                  "UPDATE audit_log SET seq = seq - 1 WHERE seq > 2")
    result = await _verify(database)
    assert not result.ok
    assert result.broken_seq == 2
    assert "does not link" in (result.reason or "")


async def test_reordered_entries_are_detected(database: Database) -> None:
    await _write(database, 4)
    await _tamper(
        database,
        "UPDATE audit_log SET seq = 100 WHERE seq = 2",
        "UPDATE audit_log SET seq = 2 WHERE seq = 3",
        "UPDATE audit_log SET seq = 3 WHERE seq = 100",
    )
    result = await _verify(database)
    assert not result.ok
    assert result.broken_seq == 2


async def test_truncation_is_detected_against_a_recorded_head(database: Database) -> None:
    await _write(database, 4)
    recorded = (await _verify(database)).head_hash
    assert (await _verify(database, expected_head=recorded)).ok
    await _tamper(database, "DELETE FROM audit_log WHERE seq = 4")
    assert (await _verify(database)).ok  # a shorter chain is still a valid chain...
    result = await _verify(database, expected_head=recorded)
    assert not result.ok
    assert "removed from the end" in (result.reason or "")


async def test_concurrent_writers_keep_one_chain(
    database: Database, make_database: object
) -> None:
    dbs = [database, *(make_database() for _ in range(3))]  # type: ignore[operator]
    await asyncio.gather(*(_write(db, 5) for db in dbs for _ in range(2)))
    result = await _verify(database)
    assert result.ok
    assert result.entries == 40


async def test_floats_and_plain_sessions_are_refused(database: Database) -> None:
    async with database.transaction() as session:
        with pytest.raises(ValueError, match="float"):
            audit.record(session, actor="a", action="x", subject_type="t", subject_id="1",
                         at=T0, data={"amount": 1.5})
    from sqlalchemy.ext.asyncio import AsyncSession

    async with AsyncSession(database.engine) as plain:
        with pytest.raises(ConfigurationError):
            audit.record(plain, actor="a", action="x", subject_type="t", subject_id="1", at=T0)


async def test_cli_verify_exit_status(tmp_path: object) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/audit.sqlite"
    await asyncio.to_thread(upgrade, url)
    database = Database.from_url(url)
    try:
        await _write(database, 3)
        runner = CliRunner()
        ok = await asyncio.to_thread(runner.invoke, cli, ["audit", "verify", "--database-url", url])
        assert ok.exit_code == 0
        assert "OK: 3 entries" in ok.output
        await _tamper(database, "UPDATE audit_log SET action = 'x' WHERE seq = 2")
        broken = await asyncio.to_thread(
            runner.invoke, cli, ["audit", "verify", "--database-url", url, "--json"])
        assert broken.exit_code == 1
        assert '"broken_seq": 2' in broken.output
    finally:
        await database.dispose()
