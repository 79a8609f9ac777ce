"""Alembic migrations, run from code (no alembic.ini: this works from an installed package).

`upgrade_async(engine)` is what the service runs at start-up; `upgrade(url)` is what
`gateway db upgrade` runs. On PostgreSQL the upgrade holds a transaction-scoped advisory
lock, so several gateway processes starting together migrate once, one after the other.
The whole upgrade is one transaction on both databases (their DDL is transactional).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.engine import PostgresConfig, SqliteConfig, create_engine, parse_database_url

T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).resolve().parent
CONNECTION_ATTRIBUTE = "connection"
# pg_advisory_xact_lock key: the bytes "gw-migra" as a signed 64-bit integer.
MIGRATION_LOCK_KEY = int.from_bytes(b"gw-migra", "big", signed=True)


def alembic_config(url: str | URL | None = None) -> Config:
    """The configuration alembic.ini would hold, built in code."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if url is not None:
        rendered = parse_database_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migration scripts found")
    return head


def _run_upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes[CONNECTION_ATTRIBUTE] = connection
    command.upgrade(config, revision)


def _run_downgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes[CONNECTION_ATTRIBUTE] = connection
    command.downgrade(config, revision)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def _locked(engine: AsyncEngine, action: Any, revision: str) -> None:
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        await connection.run_sync(action, revision)


async def upgrade_async(engine: AsyncEngine, revision: str = "head") -> str | None:
    """Upgrade the database of `engine` to `revision`; returns the revision it is at."""
    await _locked(engine, _run_upgrade, revision)
    return await current_async(engine)


async def downgrade_async(engine: AsyncEngine, revision: str) -> str | None:
    await _locked(engine, _run_downgrade, revision)
    return await current_async(engine)


async def current_async(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    async with engine.connect() as connection:
        return await connection.run_sync(_current)


async def _with_engine(
    url: str | URL,
    action: Callable[[AsyncEngine], Awaitable[T]],
    postgres: PostgresConfig | None,
    sqlite: SqliteConfig | None,
) -> T:
    engine = create_engine(url, postgres=postgres, sqlite=sqlite)
    try:
        return await action(engine)
    finally:
        await engine.dispose()


def upgrade(
    url: str | URL,
    revision: str = "head",
    *,
    postgres: PostgresConfig | None = None,
    sqlite: SqliteConfig | None = None,
) -> str | None:
    """Synchronous `upgrade_async` for a URL (the CLI); not for use inside an event loop."""
    return asyncio.run(_with_engine(
        url, lambda engine: upgrade_async(engine, revision), postgres, sqlite
    ))


def current(
    url: str | URL,
    *,
    postgres: PostgresConfig | None = None,
    sqlite: SqliteConfig | None = None,
) -> str | None:
    return asyncio.run(_with_engine(url, current_async, postgres, sqlite))
