"""Migrations run on both databases and produce exactly the models' schema."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import Connection, inspect, text

import gateway.db.tables  # noqa: F401 - complete metadata
from gateway.cli.main import cli
from gateway.db.base import Base
from gateway.db.database import Database
from gateway.db.migrations import (
    current_async,
    downgrade_async,
    head_revision,
    upgrade_async,
)
from tests.integration.conftest import DbTarget


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_upgrade_creates_the_models_schema(database: Database) -> None:
    assert await current_async(database.engine) == head_revision()
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_diff) == []
        tables = await connection.run_sync(_tables)
    assert set(Base.metadata.tables) <= tables


async def test_upgrade_is_idempotent_and_reversible(database: Database) -> None:
    assert await upgrade_async(database.engine) == head_revision()
    assert await downgrade_async(database.engine, "base") is None
    async with database.engine.connect() as connection:
        assert not (await connection.run_sync(_tables)) & set(Base.metadata.tables)
    assert await upgrade_async(database.engine) == head_revision()


async def test_fresh_database_has_no_revision(db_target: DbTarget) -> None:
    db = db_target.database()
    try:
        assert await current_async(db.engine) is None
    finally:
        await db.dispose()


async def test_concurrent_upgrades_migrate_once(db_target: DbTarget) -> None:
    """Several processes starting together: one migrates, the others find it done."""
    dbs = [db_target.database() for _ in range(3)]
    try:
        results = await asyncio.gather(*(upgrade_async(db.engine) for db in dbs))
        assert results == [head_revision()] * 3
        async with dbs[0].engine.connect() as connection:
            count = await connection.scalar(text("SELECT count(*) FROM alembic_version"))
        assert count == 1
    finally:
        for db in dbs:
            await db.dispose()


async def test_audit_log_is_append_only_in_the_database(database: Database) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO audit_log (seq, at, actor, action, subject_type, subject_id, data, "
            "prev_hash, entry_hash) VALUES (1, '2026-01-01 00:00:00', 'a', 'b', 'c', 'd', "
            "'{}', :h, :h2)"), {"h": "0" * 64, "h2": "1" * 64})
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            async with database.engine.begin() as connection:
                await connection.execute(text(statement))


def test_cli_db_upgrade_and_current(tmp_path: object) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite"
    runner = CliRunner()
    before = runner.invoke(cli, ["db", "current", "--database-url", url])
    assert before.exit_code == 0, before.output
    assert "not migrated" in before.output
    upgraded = runner.invoke(cli, ["db", "upgrade", "--database-url", url])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"at revision {head_revision()}" in upgraded.output
    after = runner.invoke(cli, ["db", "current", "--database-url", url])
    assert "up to date" in after.output


def test_cli_reports_unreachable_database_without_traceback() -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli, ["db", "current", "--database-url", "postgresql://u:secret@127.0.0.1:1/x"]
    )
    assert result.exit_code != 0
    assert "secret" not in str(result.exception) + result.output
    assert "127.0.0.1:1" in str(result.exception)
