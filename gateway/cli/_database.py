"""Shared by the commands that open the database: the URL option and clean error messages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from gateway.db.engine import redacted
from gateway.errors import ConfigurationError
from gateway.settings import Settings

F = TypeVar("F", bound=Callable[..., object])


def database_url_option(func: F) -> F:
    decorated = click.option(
        "--database-url",
        metavar="URL",
        help="Database URL (default: GATEWAY_DATABASE_URL, else the SQLite file in the data dir).",
    )(func)
    return decorated


def resolve_url(database_url: str | None) -> str:
    return database_url or Settings.load().effective_database_url


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Turn driver and connection failures into one-line errors naming the (redacted) URL."""
    try:
        yield
    except (SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise ConfigurationError(f"database {redacted(url)}: {reason}") from None
