"""Alembic environment: async engines, the gateway's metadata, batch mode on SQLite.

Normally run through gateway.db.migrations, which passes an open connection in
``config.attributes["connection"]``. Without one (the ``alembic`` command with a config that
sets ``sqlalchemy.url``) it opens its own engine; with ``--sql`` it renders SQL offline.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

import gateway.db.tables  # noqa: F401 - registers every table on Base.metadata
from gateway.db.base import Base
from gateway.db.engine import create_engine

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: pass a connection or set sqlalchemy.url")
    asyncio.run(_run_with_own_engine(url))


if context.is_offline_mode():
    run_offline()
else:
    run_online()
