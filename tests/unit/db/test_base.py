"""Ids, the UTC column type and database URLs, without a database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from gateway.db.base import UtcDateTime, new_id
from gateway.db.engine import dialect_of, parse_database_url, redacted
from gateway.errors import ConfigurationError


def test_ids_are_uuid7_and_increase() -> None:
    ids = [new_id() for _ in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    parsed = uuid.UUID(ids[0])
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    millis = parsed.int >> 80
    now = datetime.now(UTC).timestamp() * 1000
    assert abs(now - millis) < 60_000


def test_utc_type_binds_utc_and_returns_aware() -> None:
    column = UtcDateTime()
    plus2 = datetime(2026, 7, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    bound_sqlite = column.process_bind_param(plus2, sqlite.dialect())
    assert bound_sqlite == datetime(2026, 7, 1, 12, 0)  # naive UTC text on SQLite
    bound_pg = column.process_bind_param(plus2, postgresql.dialect())
    assert bound_pg == plus2
    assert bound_pg.tzinfo is UTC
    back = column.process_result_value(datetime(2026, 7, 1, 12, 0), sqlite.dialect())
    assert back == plus2
    assert back.tzinfo is UTC
    assert column.process_bind_param(None, sqlite.dialect()) is None
    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(datetime(2026, 1, 1), sqlite.dialect())


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_urls_get_their_async_driver(url: str, expected: str) -> None:
    assert parse_database_url(url).render_as_string() == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [("mysql://u@h/db", "unsupported database"),
     ("postgresql+psycopg2://u@h/db", "not supported"),
     ("not a url", "invalid database URL")],
)
def test_unsupported_urls(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        parse_database_url(url)


def test_redacted_and_dialect() -> None:
    assert "s3cret" not in redacted("postgresql://u:s3cret@h/db")
    assert dialect_of("sqlite://") == "sqlite"
    assert dialect_of("postgresql://u@h/db") == "postgresql"
