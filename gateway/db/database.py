"""`Database`: one engine and its session factories; the boundary that owns transactions.

Repositories take an `AsyncSession` and never commit; a handler, worker or CLI command opens
the transaction::

    db = Database.from_url(settings.effective_database_url)
    async with db.transaction() as session:       # BEGIN IMMEDIATE on SQLite; commit on exit
        doc = await documents.store_document(session, ...)
        await outbox.enqueue(session, exchange, now=now)
    async with db.read() as session:              # BEGIN DEFERRED on SQLite; rolled back
        page = await exchanges.list_exchanges(session, ...)

Sessions are `GatewaySession`s, whose commit also writes the audit entries queued with
`gateway.audit.record` (chained, in the same transaction). ``expire_on_commit`` is off: rows
returned by a repository stay readable after the commit (no implicit I/O in async code).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.audit import AuditingSession
from gateway.db.engine import (
    SQLITE_BEGIN_OPTION,
    Dialect,
    PostgresConfig,
    SqliteConfig,
    create_engine,
    dialect_of,
)
from gateway.db.group_commit import GroupCommit


class GatewaySession(AuditingSession):
    """The synchronous session class behind every `AsyncSession` the gateway opens."""


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect: Dialect = dialect_of(engine.url)
        self._writer = async_sessionmaker(
            engine, expire_on_commit=False, sync_session_class=GatewaySession
        )
        reader_engine = (
            engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
            if self.dialect == "sqlite"
            else engine
        )
        self._reader = async_sessionmaker(
            reader_engine, expire_on_commit=False, sync_session_class=GatewaySession
        )
        # SQLite admits one writer at a time. Writers of this process queue here instead of in
        # SQLite's busy handler, which sleeps (up to 100 ms per try) while holding a pooled
        # connection and a thread: under load that sleeping, not the work, set the pace.
        # Other processes on the same file still meet the busy handler.
        self._write_lock = asyncio.Lock() if self.dialect == "sqlite" else None
        self.group_commit = GroupCommit(self)
        """Shared write transactions for small concurrent units (gateway.db.group_commit)."""

    @classmethod
    def from_url(
        cls,
        url: str | URL,
        *,
        sqlite: SqliteConfig | None = None,
        postgres: PostgresConfig | None = None,
    ) -> Database:
        return cls(create_engine(url, sqlite=sqlite, postgres=postgres))

    def session(self) -> AsyncSession:
        """A session for writing; the caller begins, commits or rolls back."""
        return self._writer()

    def read_session(self) -> AsyncSession:
        """A session for reading only (on SQLite it does not take the write lock)."""
        return self._reader()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write transaction: committed when the block ends, rolled back if it raises.

        On SQLite, write transactions of this `Database` run one at a time (never open one
        inside another: it would wait for itself).
        """
        if self._write_lock is None:
            async with self._writer() as session, session.begin():
                yield session
            return
        async with self._write_lock, self._writer() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction, ended when the block ends (never committed).

        Closing the session returns the connection (the pool rolls it back) and detaches the
        rows read, which stay readable: unlike a rollback, closing does not expire them.
        """
        async with self._reader() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
