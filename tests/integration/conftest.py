"""Database fixtures: every test that uses `database` runs on SQLite and on PostgreSQL.

PostgreSQL comes from GATEWAY_TEST_POSTGRES_URL (e.g.
postgresql+asyncpg://postgres@127.0.0.1:5432/test). Without it the PostgreSQL variant is
skipped, except in CI (env CI set), where a missing database fails the run loudly.

Each test gets a fresh schema: a new SQLite file, or a new PostgreSQL schema (unique name,
dropped afterwards), so tests can run in parallel (pytest -n) against one database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.db.database import Database
from gateway.db.engine import PostgresConfig, create_engine
from gateway.db.migrations import upgrade_async

POSTGRES_ENV = "GATEWAY_TEST_POSTGRES_URL"


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set: the PostgreSQL tests are mandatory in CI")
        pytest.skip(f"PostgreSQL not configured (set {POSTGRES_ENV})")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database URL: a fresh SQLite file, or the PostgreSQL server from the environment."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'gateway.sqlite'}"
    return postgres_url()


@dataclass(frozen=True)
class DbTarget:
    """Where one test's tables live: the URL and, on PostgreSQL, the test's own schema."""

    url: str
    schema: str | None

    @property
    def dialect(self) -> str:
        return "sqlite" if self.url.startswith("sqlite") else "postgresql"

    def postgres(self, **options: object) -> PostgresConfig:
        return PostgresConfig(schema=self.schema, **options)  # type: ignore[arg-type]

    def database(self, **postgres_options: object) -> Database:
        """A new Database (its own engine and pool, like another gateway process)."""
        return Database.from_url(self.url, postgres=self.postgres(**postgres_options))


async def _create_schema(url: str, schema: str, *, drop: bool) -> None:
    admin = create_engine(url, postgres=PostgresConfig(pool_size=1, max_overflow=0))
    try:
        async with admin.begin() as connection:
            statement = f'DROP SCHEMA IF EXISTS "{schema}" CASCADE' if drop else (
                f'CREATE SCHEMA "{schema}"'
            )
            await connection.execute(text(statement))
    finally:
        await admin.dispose()


@pytest.fixture
async def db_target(db_url: str) -> AsyncIterator[DbTarget]:
    if db_url.startswith("sqlite"):
        yield DbTarget(db_url, None)
        return
    schema = f"test_{uuid.uuid4().hex[:16]}"
    await _create_schema(db_url, schema, drop=False)
    try:
        yield DbTarget(db_url, schema)
    finally:
        await _create_schema(db_url, schema, drop=True)


@pytest.fixture
async def make_database(db_target: DbTarget) -> AsyncIterator[Callable[[], Database]]:
    """Opens more Database objects on the test's schema (disposed at the end)."""
    opened: list[Database] = []

    def make() -> Database:
        db = db_target.database()
        opened.append(db)
        return db

    yield make
    for db in opened:
        await db.dispose()


@pytest.fixture
async def database(
    db_target: DbTarget, make_database: Callable[[], Database]
) -> Database:
    """A Database migrated to the latest schema."""
    db = make_database()
    await upgrade_async(db.engine)
    return db


