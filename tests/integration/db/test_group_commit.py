"""Group commit: concurrent units share a transaction; a failing unit fails alone."""

from __future__ import annotations

import asyncio
import contextvars

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import audit
from gateway.db.database import Database
from gateway.db.repos import exchanges
from gateway.db.tables.exchanges import Exchange
from gateway.errors import Conflict
from tests.integration.db.helpers import make_partner, make_queued

REQUEST = contextvars.ContextVar[str]("request")


async def _partner(database: Database) -> str:
    async with database.transaction() as session:
        return (await make_partner(session)).id


async def _submit(database: Database, partner_id: str, name: str,
                  *, fail: bool = False) -> tuple[str, str]:
    """Queue one exchange named `name` from a task whose context names it too."""
    REQUEST.set(name)

    async def work(session: AsyncSession) -> tuple[str, str]:
        exchange = await make_queued(session, partner_id, name)
        if fail:
            raise Conflict(f"{name} refused")
        return exchange.id, REQUEST.get()

    return await database.group_commit.run(work)


async def test_concurrent_units_commit_together_in_the_callers_context(
    database: Database,
) -> None:
    partner_id = await _partner(database)
    results = await asyncio.gather(*(
        asyncio.create_task(_submit(database, partner_id, f"m-{n}")) for n in range(20)
    ))
    assert [seen for _, seen in results] == [f"m-{n}" for n in range(20)]
    assert database.group_commit.largest_group > 1
    async with database.read() as session:
        stored = await exchanges.list_exchanges(session, states=["queued"])
        verified = await audit.verify(session)
    assert {e.id for e in stored} == {exchange_id for exchange_id, _ in results}
    assert verified.ok
    assert verified.entries >= 1 + 20 * 3  # partner, then created/validated/queued each


async def test_a_failing_unit_fails_alone_and_the_others_commit(database: Database) -> None:
    partner_id = await _partner(database)
    tasks = [
        asyncio.create_task(_submit(database, partner_id, f"m-{n}", fail=n == 3))
        for n in range(8)
    ]
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert database.group_commit.largest_group > 1
    failed = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(failed) == 1
    assert isinstance(failed[0], Conflict)
    assert "m-3 refused" in failed[0].message
    async with database.read() as session:
        stored = await exchanges.list_exchanges(session)
        verified = await audit.verify(session)
    assert sorted(e.message_id for e in stored) == sorted(
        f"m-{n}" for n in range(8) if n != 3
    )
    assert all(isinstance(e, Exchange) and e.state == "queued" for e in stored)
    assert verified.ok


async def test_a_single_unit_runs_at_once(database: Database) -> None:
    partner_id = await _partner(database)
    exchange_id, seen = await _submit(database, partner_id, "solo")
    assert seen == "solo"
    async with database.read() as session:
        assert (await exchanges.get_exchange(session, exchange_id)).state == "queued"
    with pytest.raises(Conflict):
        await _submit(database, partner_id, "bad", fail=True)
