"""`gateway db upgrade | current`: the database schema (Alembic migrations, run from code)."""

from __future__ import annotations

import click

from gateway.cli._database import database_errors, database_url_option, resolve_url
from gateway.db import migrations
from gateway.db.engine import redacted


@click.group("db")
def command() -> None:
    """Database schema: migrations (SQLite or PostgreSQL)."""


@command.command("upgrade")
@database_url_option
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def upgrade(database_url: str | None, revision: str) -> None:
    """Migrate the database to the latest schema (also done at start-up)."""
    url = resolve_url(database_url)
    with database_errors(url):
        reached = migrations.upgrade(url, revision)
    click.echo(f"{redacted(url)}: at revision {reached}")


@command.command("current")
@database_url_option
def current(database_url: str | None) -> None:
    """Show the database's schema revision and whether it is the latest."""
    url = resolve_url(database_url)
    with database_errors(url):
        revision = migrations.current(url)
    head = migrations.head_revision()
    if revision is None:
        status = "not migrated: run `gateway db upgrade`"
    elif revision == head:
        status = "up to date"
    else:
        status = f"behind head {head}: run `gateway db upgrade`"
    click.echo(f"{redacted(url)}: revision {revision or '-'} ({status})")
