"""`gateway admin create-user|set-password|list-users`: accounts of the admin web UI (/ui).

The password is prompted for (twice, hidden), or read from standard input with
``--password-stdin`` (first line) for scripts; it is never a command-line argument, which
other users of the machine could read from the process list.
"""

from __future__ import annotations

import asyncio
import sys

import click

from gateway.cli._database import database_errors, database_url_option, resolve_url
from gateway.db.database import Database
from gateway.db.migrations import upgrade_async
from gateway.db.repos import admin_users
from gateway.transports.base import utc_now

CLI_ACTOR = "cli"


@click.group("admin")
def command() -> None:
    """Accounts of the admin web UI."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return str(value)


async def _create(url: str, username: str, password: str) -> str:
    db = Database.from_url(url)
    try:
        await upgrade_async(db.engine)
        async with db.transaction() as session:
            user = await admin_users.create_user(session, username=username, password=password,
                                                 now=utc_now(), actor=CLI_ACTOR)
            return user.username
    finally:
        await db.dispose()


async def _set_password(url: str, username: str, password: str) -> None:
    db = Database.from_url(url)
    try:
        async with db.transaction() as session:
            await admin_users.set_password(session, username, password, now=utc_now(),
                                           actor=CLI_ACTOR)
    finally:
        await db.dispose()


async def _list(url: str) -> list[tuple[str, bool]]:
    db = Database.from_url(url)
    try:
        async with db.read() as session:
            return [(u.username, u.disabled_at is None)
                    for u in await admin_users.list_users(session)]
    finally:
        await db.dispose()


@command.command("create-user")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@database_url_option
def create_user(username: str, password_stdin: bool, database_url: str | None) -> None:
    """Create an admin account (migrates the database first)."""
    url = resolve_url(database_url)
    password = _read_password(password_stdin)
    with database_errors(url):
        name = asyncio.run(_create(url, username, password))
    click.echo(f"admin user {name} created")


@command.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@database_url_option
def set_password(username: str, password_stdin: bool, database_url: str | None) -> None:
    """Replace a user's password and sign out all their sessions."""
    url = resolve_url(database_url)
    password = _read_password(password_stdin)
    with database_errors(url):
        asyncio.run(_set_password(url, username, password))
    click.echo(f"password of {username.strip().lower()} changed; its sessions ended")


@command.command("list-users")
@database_url_option
def list_users(database_url: str | None) -> None:
    """List the admin accounts."""
    url = resolve_url(database_url)
    with database_errors(url):
        users = asyncio.run(_list(url))
    for name, enabled in users:
        click.echo(name if enabled else f"{name} (disabled)")
