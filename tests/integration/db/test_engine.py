"""Engine set-up per dialect, UTC timestamps, and the session boundary."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from gateway.db.database import Database
from gateway.db.tables.partners import ApiKey, Partner
from tests.integration.db.helpers import T0, make_partner


async def test_sqlite_connection_settings(database: Database) -> None:
    if database.dialect != "sqlite":
        pytest.skip("SQLite pragmas")
    async with database.engine.connect() as connection:
        assert (await connection.scalar(text("PRAGMA journal_mode"))) == "wal"
        assert (await connection.scalar(text("PRAGMA foreign_keys"))) == 1
        assert (await connection.scalar(text("PRAGMA busy_timeout"))) == 15000


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
    with pytest.raises(StatementError, match="naive datetime"):
        async with database.transaction() as session:
            partner = await make_partner(session)
            partner.updated_at = datetime(2026, 1, 1, 12, 0)  # noqa: DTZ001 - the point
            await session.flush()


async def test_transaction_rolls_back_on_error(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            await make_partner(session)
            raise RuntimeError("boom")
    async with database.read() as session:
        assert (await session.scalars(select(Partner))).all() == []
