"""Entry point of the `gateway` console script.

Each sub-command lives in its own module under gateway/cli/ and exposes a click command
or group named `command`; `COMMAND_MODULES` lists them. Import is lazy so that
`gateway --help` stays fast.
"""

from __future__ import annotations

import importlib
import sys

import click

from gateway import __version__
from gateway.errors import GatewayError

COMMAND_MODULES: dict[str, str] = {
    "convert": "gateway.cli.convert",
    "validate": "gateway.cli.validate",
    "artefacts": "gateway.cli.artefacts",
    "schema": "gateway.cli.schema",
    "db": "gateway.cli.db",
    "audit": "gateway.cli.audit",
    "remittance": "gateway.cli.remittance",
    "certs": "gateway.cli.certs",
    "serve": "gateway.cli.serve",
    "config": "gateway.cli.config",
    "demo": "gateway.cli.demo",
    "admin": "gateway.cli.admin",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMAND_MODULES.get(cmd_name)
        if module_name is None:
            return None
        command = importlib.import_module(module_name).command
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="gateway")
def cli() -> None:
    """B2B e-invoicing network gateway."""


def main() -> None:
    try:
        # Without standalone mode click *returns* the code of ctx.exit(n) instead of exiting.
        code = cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(2)
    except GatewayError as exc:
        click.echo(f"error [{exc.code}]: {exc.message}", err=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
