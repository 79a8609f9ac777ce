"""`gateway serve [--host H] [--port P] [--workers N] [--webhook-workers M]`: run the service.

Configuration comes from the environment (gateway.settings: GATEWAY_DATABASE_URL,
GATEWAY_ADMIN_TOKEN, GATEWAY_ARTEFACTS_DIR, ...); the options override it. The database
is migrated at start-up. `--workers` is the number of outbox worker tasks in this process
(0: this process only serves the API; another one delivers). SIGINT/SIGTERM stop it
gracefully: the API stops accepting requests, workers record the batch in hand.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import click
from aiohttp import web

from gateway.app import AppOptions, create_app
from gateway.cli.errors import reported_errors
from gateway.exchange.worker import WorkerConfig
from gateway.settings import Settings
from gateway.webhooks.dispatcher import DispatcherConfig

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@click.command("serve")
@click.option("--host", default=None, help="Interface to listen on (default GATEWAY_HOST or "
              "127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="TCP port (default GATEWAY_PORT or 8080).")
@click.option("--workers", type=click.IntRange(0, 256), default=None,
              help="Outbox worker tasks in this process (default GATEWAY_WORKERS or 2).")
@click.option("--webhook-workers", type=click.IntRange(0, 64), default=1, show_default=True,
              help="Webhook delivery tasks in this process.")
@click.option("--database-url", default=None, metavar="URL",
              help="Database URL (default GATEWAY_DATABASE_URL, else SQLite in the data dir).")
@click.option("--allow-plain-http-webhooks", is_flag=True,
              help="Allow http:// webhook URLs that are not on loopback.")
def command(host: str | None, port: int | None, workers: int | None, webhook_workers: int,
            database_url: str | None, allow_plain_http_webhooks: bool) -> None:
    """Run the gateway: partner API, admin API, outbox workers, webhook delivery."""
    with reported_errors():
        settings = Settings.from_env().with_overrides(
            host=host, port=port, workers=workers, database_url=database_url
        )
    logging.basicConfig(level=settings.log_level.upper(), format=LOG_FORMAT)
    options = AppOptions(
        worker=WorkerConfig(lease=timedelta(seconds=settings.worker_lease_seconds)),
        webhook_workers=webhook_workers,
        dispatcher=DispatcherConfig(allow_plain_http=allow_plain_http_webhooks),
    )
    web.run_app(create_app(settings, options), host=settings.host, port=settings.port,
                print=lambda message: click.echo(message, err=True))
