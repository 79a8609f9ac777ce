"""Small helpers shared by the repositories: cursor pages, inserts that may hit a unique key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.errors import InputError

T = TypeVar("T")

MAX_PAGE = 500


def page(stmt: Select[Any], id_column: Any, *, after: str | None, limit: int) -> Select[Any]:
    """Keyset pagination on a UUIDv7 id column (creation order): rows after the cursor `after`."""
    if not 1 <= limit <= MAX_PAGE:
        raise InputError(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
    if after is not None:
        stmt = stmt.where(id_column > after)
    return stmt.order_by(id_column).limit(limit)


async def insert_or_existing(
    session: AsyncSession,
    row: T,
    find_existing: Callable[[], Awaitable[T | None]],
) -> tuple[T, bool]:
    """Insert `row` unless its unique key exists; returns (row or the existing one, created).

    Looks first (the common case costs no failed insert), then inserts inside a SAVEPOINT so a
    concurrent insert of the same key (PostgreSQL) rolls back only the savepoint; the winner's
    row is then read back. An IntegrityError that is not about that key is re-raised.
    """
    existing = await find_existing()
    if existing is not None:
        return existing, False
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        existing = await find_existing()
        if existing is None:
            raise
        return existing, False
    return row, True
