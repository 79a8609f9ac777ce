"""`gateway artefacts install DIR|ZIP` and `gateway artefacts status`.

install copies the artefacts (schemas, compiled Schematron, code lists, attribution texts)
into <data dir>/artefacts with a MANIFEST.json of checksums. status prints the version and
checks every file against that manifest. Exit codes: 0 ok (or nothing to verify against),
1 files modified/missing/unexpected, 2 no artefacts configured or an error.
"""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, reported_errors
from gateway.jsonio import dump_json
from gateway.settings import Settings
from gateway.validation.artefacts import Artefacts, ArtefactsStatus, install

_DATA_DIR = click.option(
    "--data-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
    help="Data directory (default: GATEWAY_DATA_DIR or the platform's user data dir).",
)


def _settings(data_dir: Path | None) -> Settings:
    return Settings.load().with_overrides(data_dir=data_dir)


@click.group("artefacts")
def command() -> None:
    """Install and inspect the official validation artefacts (UBL XSD, Peppol/CEN Schematron)."""


@command.command("install")
@click.argument("src", type=click.Path(path_type=Path, exists=True))
@_DATA_DIR
def install_command(src: Path, data_dir: Path | None) -> None:
    """Copy the artefacts of SRC (a directory or .zip laid out like shared/standards)."""
    with reported_errors():
        settings = _settings(data_dir)
        artefacts = install(src, settings.installed_artefacts_dir)
        status = artefacts.status()
    files = status.integrity.checked
    click.echo(f"installed {status.version.label} ({files} files) into {status.root}")
    click.echo(f"rule sets: {', '.join(status.rule_sets)}")
    if settings.artefacts_dir is not None:
        click.echo(
            f"note: GATEWAY_ARTEFACTS_DIR={settings.artefacts_dir} takes precedence over the "
            "installed copy", err=True,
        )


def _print_status(status: ArtefactsStatus) -> None:
    click.echo(f"artefacts: {status.root}")
    click.echo(f"version:   {status.version.label}")
    if status.installed_at:
        click.echo(f"installed: {status.installed_at} from {status.source}")
    click.echo(f"integrity: {status.integrity.describe()}")
    click.echo("rule sets:")
    for rule_set, title in status.rule_sets.items():
        click.echo(f"  {rule_set:<26} {title}")


@command.command("status")
@_DATA_DIR
@click.option(
    "--artefacts", "artefacts_dir", type=click.Path(path_type=Path, file_okay=False),
    default=None, help="Check this directory instead of the configured one.",
)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def status_command(
    ctx: click.Context, data_dir: Path | None, artefacts_dir: Path | None, output_format: str
) -> None:
    """Show the configured artefacts, their version and whether any file was altered."""
    with reported_errors():
        directory = artefacts_dir or _settings(data_dir).resolved_artefacts_dir()
        if directory is None:
            click.echo(
                "no artefacts configured: run `gateway artefacts install DIR|ZIP` "
                "or set GATEWAY_ARTEFACTS_DIR", err=True,
            )
            ctx.exit(EXIT_ERROR)
        status = Artefacts(directory).status()
    if output_format == "json":
        click.echo(dump_json(status.to_dict()))
    else:
        _print_status(status)
    ctx.exit(EXIT_OK if status.integrity.intact else EXIT_FINDINGS)
