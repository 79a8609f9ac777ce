"""Persistence: SQLAlchemy 2 async on SQLite (aiosqlite, the default) or PostgreSQL (asyncpg).

    from gateway.db.database import Database
    from gateway.db.migrations import upgrade_async

    db = Database.from_url(settings.effective_database_url)
    await upgrade_async(db.engine)           # also `gateway db upgrade`
    async with db.transaction() as session:
        ...                                  # gateway.db.repos.*, gateway.exchange.outbox

This package module stays light (no session or audit imports) so that gateway.audit can use
gateway.db.base without an import cycle. See docs/store.md for the tables and repositories.
"""

from gateway.db.base import Base, UtcDateTime, new_id, utcnow
from gateway.db.engine import (
    PostgresConfig,
    SqliteConfig,
    create_engine,
    dialect_of,
    parse_database_url,
    redacted,
)

__all__ = [
    "Base",
    "PostgresConfig",
    "SqliteConfig",
    "UtcDateTime",
    "create_engine",
    "dialect_of",
    "new_id",
    "parse_database_url",
    "redacted",
    "utcnow",
]
