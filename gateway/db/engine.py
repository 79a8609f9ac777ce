"""Engines, one configuration class per dialect.

SQLite (aiosqlite, the embedded default):
  * WAL journal, so readers never block the writer; ``synchronous=NORMAL`` (durable with WAL
    except for the last transactions on power loss, the SQLite recommendation for WAL);
  * ``foreign_keys=ON`` (SQLite ignores FOREIGN KEY clauses otherwise);
  * ``busy_timeout``: a writer waits for the lock instead of failing at once;
  * SQLAlchemy, not the sqlite3 driver, emits BEGIN (the driver's legacy mode skips BEGIN for
    SELECT and DDL). Write transactions use ``BEGIN IMMEDIATE``: they take the write lock at
    the start, so a read-then-write transaction cannot fail half-way with SQLITE_BUSY when
    another writer got there first. Read-only sessions may ask for ``BEGIN DEFERRED`` through
    the execution option `SQLITE_BEGIN_OPTION` (see gateway.db.database).

PostgreSQL (asyncpg, the scale-out store): a bounded pool with pre-ping and recycling, an
``application_name`` for pg_stat_activity, and an optional ``search_path`` schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from gateway.errors import ConfigurationError

Dialect = Literal["sqlite", "postgresql"]

SQLITE_BEGIN_OPTION = "gateway_sqlite_begin"
"""Execution option: "IMMEDIATE" (the default) or "DEFERRED" for the BEGIN SQLite emits."""
_BEGIN_MODES = frozenset({"IMMEDIATE", "DEFERRED", "EXCLUSIVE"})

_DRIVERS: dict[str, tuple[Dialect, str]] = {
    "sqlite": ("sqlite", "aiosqlite"),
    "postgresql": ("postgresql", "asyncpg"),
    "postgres": ("postgresql", "asyncpg"),
}


@dataclass(frozen=True, slots=True)
class SqliteConfig:
    busy_timeout_ms: int = 15_000
    synchronous: str = "NORMAL"
    echo: bool = False


@dataclass(frozen=True, slots=True)
class PostgresConfig:
    pool_size: int = 10
    max_overflow: int = 10
    pool_timeout_s: float = 30.0
    pool_recycle_s: int = 1800
    application_name: str = "einvoice-gateway"
    schema: str | None = None
    """Put first on the search_path (tables live there); None: the server's default."""
    echo: bool = False


def parse_database_url(url: str | URL) -> URL:
    """The URL with its async driver: ``sqlite://`` and ``postgresql://`` are accepted too."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"invalid database URL: {exc}") from None
    backend, _, driver = parsed.drivername.partition("+")
    known = _DRIVERS.get(backend)
    if known is None:
        raise ConfigurationError(
            f"unsupported database {backend!r}; use sqlite+aiosqlite:// or postgresql+asyncpg://"
        )
    name, async_driver = known
    if driver and driver != async_driver:
        raise ConfigurationError(
            f"database driver {driver!r} is not supported; use {name}+{async_driver}://"
        )
    return parsed.set(drivername=f"{name}+{async_driver}")


def dialect_of(url: str | URL) -> Dialect:
    return "sqlite" if parse_database_url(url).get_backend_name() == "sqlite" else "postgresql"


def redacted(url: str | URL) -> str:
    """The URL for logs and messages: the password is hidden."""
    return parse_database_url(url).render_as_string(hide_password=True)


def create_engine(
    url: str | URL,
    *,
    sqlite: SqliteConfig | None = None,
    postgres: PostgresConfig | None = None,
) -> AsyncEngine:
    """An async engine configured for its dialect (see the module docstring)."""
    parsed = parse_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, sqlite or SqliteConfig())
    return _postgres_engine(parsed, postgres or PostgresConfig())


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def _sqlite_engine(url: URL, config: SqliteConfig) -> AsyncEngine:
    options: dict[str, Any] = {"echo": config.echo}
    if _is_memory(url):
        # One shared connection, or every pooled connection would see its own empty database.
        options |= {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    else:
        Path(str(url.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, **options)
    _install_sqlite_hooks(engine, config)
    return engine


def _install_sqlite_hooks(engine: AsyncEngine, config: SqliteConfig) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN, not the driver
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(config.busy_timeout_ms)}")
            cursor.execute(f"PRAGMA synchronous={_pragma_word(config.synchronous)}")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = str(connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE"))
        if mode not in _BEGIN_MODES:
            raise ConfigurationError(f"unknown SQLite BEGIN mode {mode!r}")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _pragma_word(value: str) -> str:
    word = value.upper()
    if word not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ConfigurationError(f"invalid SQLite synchronous setting {value!r}")
    return word


def _postgres_engine(url: URL, config: PostgresConfig) -> AsyncEngine:
    server_settings = {"application_name": config.application_name}
    if config.schema:
        server_settings["search_path"] = _quote_ident(config.schema)
    return create_async_engine(
        url,
        echo=config.echo,
        pool_size=config.pool_size,
        max_overflow=config.max_overflow,
        pool_timeout=config.pool_timeout_s,
        pool_recycle=config.pool_recycle_s,
        pool_pre_ping=True,
        connect_args={"server_settings": server_settings},
    )


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
