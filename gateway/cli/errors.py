"""How CLI commands report a GatewayError: one line on stderr, exit code 2, no traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from gateway.errors import GatewayError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def fail(exc: GatewayError) -> None:
    click.echo(f"error [{exc.code}]: {exc.message}", err=True)
    for finding in exc.findings:
        where = f" at {finding.json_pointer or finding.xpath}" if (
            finding.json_pointer or finding.xpath) else ""
        click.echo(f"  {finding.rule_id}{where}: {finding.message}", err=True)
    raise click.exceptions.Exit(EXIT_ERROR)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn any GatewayError raised in the block into a message and exit code 2."""
    try:
        yield
    except GatewayError as exc:
        fail(exc)
