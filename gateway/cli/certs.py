"""`gateway certs dev`: create the development PKI under certs/dev/ (git-ignored).

The layout and what each file is for are in certs/README.md. Production keys never come
from here: they come from the Peppol AP CA (G2/G3) and live outside the repository.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from gateway.signing import pki

DEFAULT_DIRECTORY = Path("certs") / "dev"


@click.group("certs")
def command() -> None:
    """Certificates and keys (development PKI)."""


@command.command("dev")
@click.option(
    "--out",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DIRECTORY,
    show_default=True,
    help="Directory to write into (keep it git-ignored).",
)
@click.option(
    "--seat",
    "seats",
    multiple=True,
    default=("POP000901", "POP000902"),
    show_default=True,
    help="Access-point seat id (certificate CN); repeat for more.",
)
@click.option(
    "--partner",
    "partners",
    multiple=True,
    default=("partner-a", "partner-b"),
    show_default=True,
    help="Partner document-signing certificate; repeat for more.",
)
@click.option(
    "--tls-host",
    "tls_hosts",
    multiple=True,
    default=("localhost", "127.0.0.1"),
    show_default=True,
    help="Host name or IP for the TLS server certificate.",
)
@click.option("--force", is_flag=True, help="Replace an existing development PKI.")
def dev(
    directory: Path,
    seats: tuple[str, ...],
    partners: tuple[str, ...],
    tls_hosts: tuple[str, ...],
    force: bool,
) -> None:
    """Create root CA → ACCESS POINT CA → AP, partner and TLS certificates (development only)."""
    _check_names(seats, "seat")
    _check_names(partners, "partner")
    built = pki.build_dev_pki(
        now=datetime.now(UTC), seats=seats, partners=partners, tls_hosts=tls_hosts
    )
    written = pki.write_pki(built, directory, overwrite=force)
    click.echo(f"development PKI written to {directory} ({len(written)} files):")
    for path in written:
        click.echo(f"  {path.relative_to(directory)}")
    click.echo("private keys (*.key) are 0600; never commit or deploy them (certs/README.md)")


def _check_names(names: tuple[str, ...], what: str) -> None:
    for name in names:
        if not name or not all(c.isalnum() or c in "-_" for c in name):
            raise click.BadParameter(f"{what} {name!r}: use letters, digits, '-' and '_' only")
    if len(set(names)) != len(names):
        raise click.BadParameter(f"duplicate {what} in {list(names)}")
