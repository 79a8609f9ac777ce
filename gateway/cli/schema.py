"""`gateway schema generate [--check] [--directory DIR]`: the JSON Schemas of the models.

Without --check, (re)writes schemas/<type>.schema.json for every registered type with a
model. With --check, writes nothing and exits 1 when a file is missing, differs from what the
models generate, or belongs to no type.
"""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli.errors import EXIT_FINDINGS, EXIT_OK
from gateway.model import schema


@click.group("schema")
def command() -> None:
    """JSON Schemas of the canonical documents."""


@command.command("generate")
@click.option("--check", is_flag=True, help="Only report stale files (exit 1 when stale).")
@click.option("--directory", type=click.Path(file_okay=False, path_type=Path),
              default=schema.DEFAULT_SCHEMA_DIR, show_default=True,
              help="Where the schema files live.")
@click.pass_context
def generate(ctx: click.Context, check: bool, directory: Path) -> None:
    """Generate schemas/<type>.schema.json from the canonical models."""
    if check:
        problems = schema.check(directory)
        for problem in problems:
            click.echo(f"stale: {problem}", err=True)
        if problems:
            click.echo("run `gateway schema generate` to refresh them", err=True)
        ctx.exit(EXIT_FINDINGS if problems else EXIT_OK)
    for path in schema.generate(directory):
        click.echo(f"wrote {path}")
