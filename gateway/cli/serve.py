"""`gateway serve [--config FILE] [--host H] [--port P] [--workers N] [--webhook-workers M]`.

Configuration: defaults < the TOML file (``--config`` or ``GATEWAY_CONFIG``) < ``GATEWAY_*``
environment variables < these options (gateway.settings; docs/operations.md). It is
validated before anything starts: a bad value stops the command with a message naming the
key. The database is migrated at start-up. `--workers` is the number of outbox worker tasks
in this process (0: this process only serves the API; another one delivers). With
``tls_cert_file`` and ``tls_key_file`` it serves HTTPS (TLS 1.2 minimum). Logs go to stderr
as JSON lines, or as text on a terminal (``log_format``). SIGINT/SIGTERM stop it gracefully:
the API stops accepting requests, workers record the batch in hand.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import click
from aiohttp import web

from gateway.app import AppOptions, create_app
from gateway.cli.errors import reported_errors
from gateway.exchange.worker import WorkerConfig
from gateway.observability.logs import configure_logging
from gateway.server_tls import server_ssl_context
from gateway.settings import Settings
from gateway.webhooks.dispatcher import DispatcherConfig

ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tf request_id=%{X-Request-Id}o'
_log = logging.getLogger("gateway.serve")


@click.command("serve")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="TOML configuration file (default GATEWAY_CONFIG).")
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
def command(config_path: Path | None, host: str | None, port: int | None, workers: int | None,
            webhook_workers: int, database_url: str | None,
            allow_plain_http_webhooks: bool) -> None:
    """Run the gateway: partner API, admin API, outbox workers, webhook delivery."""
    with reported_errors():
        settings = Settings.load(config_path).with_overrides(
            host=host, port=port, workers=workers, database_url=database_url
        ).validated()
        ssl_context = server_ssl_context(settings)
        options = AppOptions(
            worker=WorkerConfig(lease=timedelta(seconds=settings.worker_lease_seconds)),
            webhook_workers=webhook_workers,
            dispatcher=DispatcherConfig(allow_plain_http=allow_plain_http_webhooks),
        )
        app = create_app(settings, options)
    configure_logging(settings.log_level, settings.log_format)
    scheme = "https" if ssl_context is not None else "http"
    _log.info("serving on %s://%s:%d", scheme, settings.host, settings.port)
    web.run_app(app, host=settings.host, port=settings.port, ssl_context=ssl_context,
                access_log_format=ACCESS_LOG_FORMAT,
                print=lambda message: click.echo(message, err=True))
