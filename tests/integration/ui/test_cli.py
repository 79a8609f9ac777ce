"""`gateway admin create-user | set-password | list-users`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner

from gateway.cli.main import cli
from gateway.db.database import Database
from gateway.db.repos import admin_users
from gateway.errors import Conflict, InputError, Unauthorized
from gateway.transports.base import utc_now


async def _can_sign_in(url: str, username: str, password: str) -> bool:
    db = Database.from_url(url)
    try:
        async with db.transaction() as session:
            await admin_users.sign_in(session, username=username, password=password,
                                      now=utc_now())
        return True
    except Unauthorized:
        return False
    finally:
        await db.dispose()


def test_create_user_then_change_the_password(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite"
    runner = CliRunner()
    created = runner.invoke(cli, ["admin", "create-user", "Alice", "--password-stdin",
                                  "--database-url", url], input="first password 123\n")
    assert created.exit_code == 0, created.output
    assert "admin user alice created" in created.output
    assert asyncio.run(_can_sign_in(url, "alice", "first password 123"))

    again = runner.invoke(cli, ["admin", "create-user", "alice", "--password-stdin",
                                "--database-url", url], input="another password 1\n")
    assert isinstance(again.exception, Conflict)
    weak = runner.invoke(cli, ["admin", "create-user", "bob", "--password-stdin",
                               "--database-url", url], input="short\n")
    assert isinstance(weak.exception, InputError)
    assert "at least 12" in weak.exception.message

    changed = runner.invoke(cli, ["admin", "set-password", "alice", "--password-stdin",
                                  "--database-url", url], input="second password 456\n")
    assert changed.exit_code == 0, changed.output
    assert not asyncio.run(_can_sign_in(url, "alice", "first password 123"))
    assert asyncio.run(_can_sign_in(url, "alice", "second password 456"))
    listed = runner.invoke(cli, ["admin", "list-users", "--database-url", url])
    assert listed.output.split() == ["alice"]


def test_prompted_password_is_confirmed(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite"
    result = CliRunner().invoke(cli, ["admin", "create-user", "carol", "--database-url", url],
                                input="a typed password\na typed password\n")
    assert result.exit_code == 0, result.output
    assert asyncio.run(_can_sign_in(url, "carol", "a typed password"))
