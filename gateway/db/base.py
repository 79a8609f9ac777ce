"""Declarative base, constraint naming convention, column types shared by every table.

* Constraint names follow one convention (``pk_``, ``fk_``, ``uq_``, ``ix_``, ``ck_``) so
  migrations can refer to them on both SQLite and PostgreSQL (Prefect's server DB layer does
  the same).
* `UtcDateTime` stores UTC and always returns timezone-aware datetimes, on SQLite too (which
  has no time zone type). Naive datetimes are refused on the way in: a naive time is a bug.
* Primary keys are UUID strings (version 7, RFC 9562 section 5.7): time-ordered, so ordering by
  ``id`` is creation order to the millisecond (and strictly increasing within one process),
  which makes ``id`` the cursor for pagination on both dialects.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, MetaData, String, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LENGTH = 36
HASH_LENGTH = 64  # hex SHA-256

JsonType = JSON().with_variant(JSONB(), "postgresql")
"""JSON everywhere; JSONB on PostgreSQL so it can be indexed and queried."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and returned timezone-aware (UTC) on every dialect."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: pass a UTC-aware time")
        value = value.astimezone(UTC)
        # SQLite stores text; keep it naive there so every value sorts and compares as UTC.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def require_aware(value: datetime, name: str = "time") -> datetime:
    """Return `value` in UTC; refuse naive datetimes with a message naming the argument."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value.isoformat()}")
    return value.astimezone(UTC)


class _UuidV7:
    """RFC 9562 UUIDv7 with the "monotonic random" method (6.2 method 2) inside one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._last_rand = 0

    def __call__(self) -> str:
        with self._lock:
            now_ms = time.time_ns() // 1_000_000
            if now_ms > self._last_ms:
                self._last_ms = now_ms
                self._last_rand = int.from_bytes(os.urandom(10), "big") >> 6  # 74 bits
            else:
                self._last_rand += 1 + (int.from_bytes(os.urandom(2), "big") & 0xFF)
                if self._last_rand >= 1 << 74:  # counter overflow: borrow the next millisecond
                    self._last_ms += 1
                    self._last_rand = int.from_bytes(os.urandom(10), "big") >> 6
            ms, rand = self._last_ms, self._last_rand
        rand_a, rand_b = rand >> 62, rand & ((1 << 62) - 1)
        value = (ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
        return str(uuid.UUID(int=value))


new_id = _UuidV7()
"""A new primary key: a UUIDv7 string, increasing within this process."""


def id_column(**kwargs: Any) -> Mapped[str]:
    return mapped_column(String(ID_LENGTH), primary_key=True, default=new_id, **kwargs)
