"""Engine set-up per dialect, UTC timestamps, and the session boundary."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from gateway.db.database import Database
from gateway.db.migrations import upgrade_async
from gateway.db.tables.partners import ApiKey, Partner
from tests.integration.db.helpers import T0, make_partner


async def test_sqlite_connection_settings(tmp_path: Path) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path}/new/dir/gateway.sqlite")
    try:
        async with database.engine.connect() as connection:
            assert (await connection.scalar(text("PRAGMA journal_mode"))) == "wal"
            assert (await connection.scalar(text("PRAGMA foreign_keys"))) == 1
            assert (await connection.scalar(text("PRAGMA busy_timeout"))) == 15000
            assert (await connection.scalar(text("PRAGMA synchronous"))) == 1  # NORMAL
    finally:
        await database.dispose()
    assert (tmp_path / "new" / "dir" / "gateway.sqlite").exists()


async def test_sqlite_in_memory_database_is_shared() -> None:
    database = Database.from_url("sqlite+aiosqlite://")
    try:
        await upgrade_async(database.engine)
        async with database.transaction() as session:
            await make_partner(session)
        async with database.read() as session:
            assert len((await session.scalars(select(Partner))).all()) == 1
    finally:
        await database.dispose()


async def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            session.add(
                ApiKey(
                    key_id="k" * 12,
                    partner_id="no-such-partner",
                    label="x",
                    secret_hash="0" * 64,
                    created_at=T0,
                )
            )


async def test_timestamps_round_trip_as_utc(database: Database) -> None:
    oslo_summer = timezone(timedelta(hours=2))
    local = datetime(2026, 7, 1, 14, 30, 15, 123456, tzinfo=oslo_summer)
    async with database.transaction() as session:
        partner = await make_partner(session)
        partner.created_at = local
    async with database.read() as session:
        stored = (await session.scalars(select(Partner))).one()
        assert stored.created_at == local
        assert stored.created_at.tzinfo is not None
        assert stored.created_at.utcoffset() == timedelta(0)
        assert stored.created_at.hour == 12
        assert stored.created_at.microsecond == 123456
        # comparisons in SQL happen in UTC too
        earlier = datetime(2026, 7, 1, 12, 30, 15, tzinfo=oslo_summer) - timedelta(hours=-1)
        found = await session.scalars(select(Partner).where(Partner.created_at > earlier))
        assert found.all() == [stored]


async def test_naive_timestamps_are_refused(database: Database) -> None:
    async def store_naive() -> None:
        async with database.transaction() as session:
            partner = await make_partner(session)
            partner.updated_at = datetime(2026, 1, 1, 12, 0)
            await session.flush()

    with pytest.raises(StatementError, match="naive datetime"):
        await store_naive()


async def test_transaction_rolls_back_on_error(database: Database) -> None:
    async def failing_change() -> None:
        async with database.transaction() as session:
            await make_partner(session)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await failing_change()
    async with database.read() as session:
        assert (await session.scalars(select(Partner))).all() == []
