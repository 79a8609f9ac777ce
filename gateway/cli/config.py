"""`gateway config check` and `gateway config show`: the effective configuration.

Both read what `gateway serve` reads: defaults < the TOML file (``--config`` or
``GATEWAY_CONFIG``) < ``GATEWAY_*`` environment variables, and validate it the same way.

    gateway config check [--config FILE]    exit 0 when valid; else the error naming the key
    gateway config show  [--config FILE] [--json]
                                            every setting, where it came from, secrets masked
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from gateway.cli.errors import reported_errors
from gateway.server_tls import server_ssl_context
from gateway.settings import (
    CONFIG_ENV,
    Settings,
    env_name,
    read_config_file,
    setting_names,
)

CONFIG_OPTION = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help=f"TOML configuration file (default {CONFIG_ENV}).")


@click.group("config")
def command() -> None:
    """Check or show the configuration (file plus environment)."""


def config_file(config_path: Path | None) -> Path | None:
    given = config_path or os.environ.get(CONFIG_ENV)
    return Path(given) if given else None


def sources(path: Path | None) -> dict[str, str]:
    """Where each setting's value comes from: default, the file, or its variable."""
    from_file = set(read_config_file(path)) if path is not None else set()
    found: dict[str, str] = {}
    for key in setting_names():
        if os.environ.get(env_name(key)):
            found[key] = f"env {env_name(key)}"
        elif key in from_file:
            found[key] = f"file {path}"
        else:
            found[key] = "default"
    return found


@command.command("check")
@CONFIG_OPTION
def check(config_path: Path | None) -> None:
    """Validate the configuration (and load the TLS files when configured)."""
    path = config_file(config_path)
    with reported_errors():
        settings = Settings.load(path)
        server_ssl_context(settings)
        if settings.peppol_enabled:  # the AP keys, trust stores and identifiers (docs/peppol.md)
            from gateway.peppol.access_point import build_access_point

            build_access_point(settings)
    origin = f"file {path} and environment" if path else "environment only (no file)"
    click.echo(f"configuration OK ({origin})")


@command.command("show")
@CONFIG_OPTION
@click.option("--json", "as_json", is_flag=True, help="JSON instead of annotated TOML.")
def show(config_path: Path | None, as_json: bool) -> None:
    """Print the effective settings, secrets masked, each with its source."""
    path = config_file(config_path)
    with reported_errors():
        view = Settings.load(path).public_view()
        origin = sources(path)
    if as_json:
        click.echo(json.dumps({"settings": view, "sources": origin}, indent=2, default=str))
        return
    for key in setting_names():
        click.echo(toml_line(key, view[key], origin[key]))
    click.echo(f"# effective_database_url = {view['effective_database_url']}")


def toml_line(key: str, value: Any, source: str) -> str:
    """One ``key = value  # source`` line; an unset value is shown commented out."""
    if value is None:
        return f"# {key} is unset  ({source})"
    rendered = json.dumps(value) if isinstance(value, str | bool) else repr(value)
    return f"{key} = {rendered}  # {source}"
