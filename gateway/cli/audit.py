"""`gateway audit verify`: check the audit log's hash chain."""

from __future__ import annotations

import asyncio
import json

import click

from gateway import audit as audit_log
from gateway.cli._database import database_errors, database_url_option, resolve_url
from gateway.db.database import Database
from gateway.db.engine import redacted


@click.group("audit")
def command() -> None:
    """The append-only, hash-chained audit log."""


async def _verify(url: str, expected_head: str | None) -> audit_log.VerifyResult:
    db = Database.from_url(url)
    try:
        async with db.read() as session:
            return await audit_log.verify(session, expected_head=expected_head)
    finally:
        await db.dispose()


@command.command("verify")
@database_url_option
@click.option("--expect-head", metavar="HASH",
              help="The head hash recorded earlier: also detects entries cut from the end.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def verify(database_url: str | None, expect_head: str | None, as_json: bool) -> None:
    """Verify every entry; exit status 1 at the first edited, deleted or reordered entry."""
    url = resolve_url(database_url)
    with database_errors(url):
        result = asyncio.run(_verify(url, expect_head))
    if as_json:
        click.echo(json.dumps({
            "ok": result.ok, "entries": result.entries, "head_hash": result.head_hash,
            "broken_seq": result.broken_seq, "index": result.index, "reason": result.reason,
        }))
    elif result.ok:
        click.echo(f"audit log OK: {result.entries} entries, head {result.head_hash} "
                   f"({redacted(url)})")
    else:
        click.echo(f"audit log BROKEN at entry {result.broken_seq} (index {result.index}): "
                   f"{result.reason}", err=True)
    if not result.ok:
        raise click.exceptions.Exit(1)
