"""The gateway service: `create_app(settings)` builds the aiohttp application.

No globals (DESIGN.md §10, habit 9): every resource is created and closed by a
`cleanup_ctx`, in this order, and shared through the typed keys of gateway.api.keys:

    database      engine + session factories; migrations run here (PostgreSQL: under an
                  advisory lock, so replicas starting together migrate once)
    http client   one aiohttp ClientSession for every outbound call
    analyzer      the Validator (official artefacts when installed) + the mapping engine
    transports    transport instances built from the registry (http; fake in tests)
    workers       N outbox workers, M webhook dispatchers, and the inbound recovery sweep;
                  stopped gracefully (the batch in hand is recorded) on shutdown

Routes: the public /openapi.json, /healthz, /readyz, /health and /metrics on the root app, the
partner API as a sub-app under /v1 (partner API keys, rate-limited per key), the admin API as
a sub-app under /admin/v1 (admin key), the admin web UI under /ui (gateway.admin); when the
settings make it a Peppol access point, POST /as4 and our SMP under /smp (gateway.api.peppol,
docs/peppol.md). Every request is rate-limited per source address and every response
carries the hardening headers (gateway.observability). Several apps can run in one process
(tests, demos): nothing is shared between them, metrics registries included.

    app = create_app(Settings.from_env())
    web.run_app(app, host=..., port=...)              # or: runner = await start(app, host, port)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import ssl
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web
from aiohttp.typedefs import Middleware

from gateway.admin.app import UI_PREFIX, create_ui_app
from gateway.api import APIS, keys
from gateway.api.auth import admin_auth, partner_auth
from gateway.api.limits import limit_by_address, limit_by_partner_key
from gateway.api.middlewares import problems, request_id
from gateway.api.openapi import build_openapi
from gateway.api.public import OPENAPI_DOCUMENT
from gateway.api.spec import Api
from gateway.db.database import Database
from gateway.db.migrations import head_revision, upgrade_async
from gateway.errors import ConfigurationError
from gateway.exchange.analysis import DocumentAnalyzer
from gateway.exchange.inbound import InboundPipeline
from gateway.exchange.worker import OutboxWorker, WorkerConfig
from gateway.observability.metrics import GatewayMetrics, server_certificate_expiry
from gateway.observability.ratelimit import TokenBucketLimiter
from gateway.observability.secure_headers import secure_headers_hook
from gateway.settings import Settings
from gateway.signing import DocumentSigner, SigningCredentials
from gateway.transports.base import utc_now
from gateway.transports.http import new_client_session
from gateway.transports.registry import (
    TransportDeps,
    TransportRegistry,
    TransportSet,
    default_registry,
)
from gateway.validation.pipeline import Validator
from gateway.webhooks.dispatcher import DispatcherConfig, WebhookDispatcher

_log = logging.getLogger(__name__)
SHUTDOWN_GRACE_SECONDS = 30.0


def default_instance_id() -> str:
    """host:pid:random, unique per app: the prefix of its workers' lease-holder ids."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True, slots=True)
class AppOptions:
    """What the settings do not say: injected parts (tests, demos) and worker tuning."""

    database: Database | None = None
    """Use this database (not disposed by the app); None: one from settings.database_url."""
    migrate: bool = True
    validator: Validator | None = None
    """None: a Validator on the settings' artefacts dir (official layers skipped if none)."""
    transport_registry: TransportRegistry | None = None
    clock: Callable[[], datetime] = utc_now
    workers: int | None = None
    """Outbox workers in this process; None: settings.workers; 0: none (another process
    delivers, or a test drives `OutboxWorker.run_once`)."""
    webhook_workers: int = 1
    worker: WorkerConfig = field(default_factory=WorkerConfig)
    dispatcher: DispatcherConfig = field(default_factory=DispatcherConfig)
    recovery_interval: float = 60.0
    """Seconds between sweeps that finish inbound exchanges left ``received``."""
    instance_id: str = field(default_factory=default_instance_id)


def create_app(settings: Settings, options: AppOptions | None = None) -> web.Application:
    options = options or AppOptions()
    app = web.Application(
        middlewares=[request_id, problems, limit_by_address],
        client_max_size=settings.max_document_bytes,
    )
    app[keys.SETTINGS] = settings
    app[keys.METRICS] = GatewayMetrics()
    app[keys.SCHEMA_HEAD] = head_revision()
    app[keys.SERVER_CERT_NOT_AFTER] = _server_cert_not_after(settings)
    app[keys.DOCUMENT_SIGNER] = _document_signer(settings)
    app[keys.ADDRESS_LIMITER] = TokenBucketLimiter(settings.rate_limit_address_per_second,
                                                   settings.rate_limit_address_burst)
    app[keys.PARTNER_LIMITER] = TokenBucketLimiter(settings.rate_limit_partner_per_second,
                                                   settings.rate_limit_partner_burst)
    app[keys.WORKER_TASKS] = []
    app.on_response_prepare.append(secure_headers_hook(settings))
    app[keys.OPTIONS] = options
    app[keys.OUTBOX_WAKEUP] = asyncio.Event()
    app[keys.WEBHOOK_WAKEUP] = asyncio.Event()
    app[keys.OUTBOX_WORKERS] = []
    app[keys.WEBHOOK_DISPATCHERS] = []
    app.cleanup_ctx.extend([_database, _http_client, _analyzer, _transports, _workers,
                            _recovery])
    peppol = _peppol_apis(app, settings, options)  # after the extend: its task needs the client
    app[OPENAPI_DOCUMENT] = build_openapi((*APIS, *peppol), server_url=settings.public_url)
    public, partner, admin = APIS
    _add_routes(app, public)
    for api in peppol:
        _add_routes(app, api)
    app.add_subapp(partner.prefix, _sub_app(partner, (partner_auth, limit_by_partner_key)))
    app.add_subapp(admin.prefix, _sub_app(admin, (admin_auth,)))
    app.add_subapp(UI_PREFIX, create_ui_app())
    return app


def _server_cert_not_after(settings: Settings) -> datetime | None:
    try:
        return server_certificate_expiry(settings.tls_cert_file)
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"setting 'tls_cert_file': {settings.tls_cert_file} is not a "
                                 f"readable PEM certificate: {exc}",
                                 code="invalid-setting") from None


def _sub_app(api: Api, middlewares: Sequence[Middleware]) -> web.Application:
    sub = web.Application(middlewares=list(middlewares))
    _add_routes(sub, api)
    return sub


def _add_routes(app: web.Application, api: Api) -> None:
    for operation in api.operations:
        app.router.add_route(operation.method, operation.path, operation.handler,
                             name=operation.operation_id)


async def _database(app: web.Application) -> AsyncIterator[None]:
    options = app[keys.OPTIONS]
    db = options.database or Database.from_url(app[keys.SETTINGS].effective_database_url)
    try:
        if options.migrate:
            await upgrade_async(db.engine)
        app[keys.DATABASE] = db
        yield
    finally:
        if options.database is None:
            await db.dispose()


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    session = new_client_session()
    app[keys.HTTP_CLIENT] = session
    yield
    await session.close()


def _document_signer(settings: Settings) -> DocumentSigner | None:
    """Our document-signing credentials, loaded once (a bad key fails the start)."""
    if settings.signing_key_file is None or settings.signing_cert_file is None:
        return None
    credentials = SigningCredentials.from_files(settings.signing_key_file,
                                                settings.signing_cert_file)
    return DocumentSigner(credentials, max_bytes=settings.max_document_bytes)


async def _analyzer(app: web.Application) -> AsyncIterator[None]:
    validator = app[keys.OPTIONS].validator or Validator(settings=app[keys.SETTINGS])
    app[keys.ANALYZER] = DocumentAnalyzer(validator, metrics=app[keys.METRICS])
    yield


def _peppol_apis(app: web.Application, settings: Settings,
                 options: AppOptions) -> tuple[Api, ...]:
    """POST /as4 and our SMP when the gateway is a Peppol access point (docs/peppol.md); the
    AS4 stack is imported only then."""
    if not settings.peppol_enabled:
        return ()
    from gateway.api.peppol import mount_access_point

    return (mount_access_point(app, settings, clock=options.clock),)


def _transport_deps(app: web.Application) -> TransportDeps:
    session, clock = app[keys.HTTP_CLIENT], app[keys.OPTIONS].clock
    if not app[keys.SETTINGS].peppol_enabled:
        return TransportDeps(http_session=session, clock=clock)
    from gateway.api.peppol import transport_config

    return TransportDeps(http_session=session, clock=clock, peppol_as4=transport_config(app))


async def _transports(app: web.Application) -> AsyncIterator[None]:
    options = app[keys.OPTIONS]
    registry = options.transport_registry or default_registry()
    app[keys.TRANSPORTS] = TransportSet(registry, _transport_deps(app))
    yield


async def _workers(app: web.Application) -> AsyncIterator[None]:
    options, settings = app[keys.OPTIONS], app[keys.SETTINGS]
    count = settings.workers if options.workers is None else options.workers
    outbox = [
        OutboxWorker(app[keys.DATABASE], app[keys.TRANSPORTS],
                     worker_id=f"{options.instance_id}/outbox-{n}", config=options.worker,
                     wakeup=app[keys.OUTBOX_WAKEUP], events_wakeup=app[keys.WEBHOOK_WAKEUP],
                     clock=options.clock, metrics=app[keys.METRICS])
        for n in range(count)
    ]
    dispatchers = [
        WebhookDispatcher(app[keys.DATABASE], app[keys.TRANSPORTS],
                          worker_id=f"{options.instance_id}/webhooks-{n}",
                          config=options.dispatcher, wakeup=app[keys.WEBHOOK_WAKEUP],
                          clock=options.clock, metrics=app[keys.METRICS])
        for n in range(options.webhook_workers)
    ]
    app[keys.OUTBOX_WORKERS].extend(outbox)
    app[keys.WEBHOOK_DISPATCHERS].extend(dispatchers)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run(stop), name=w.worker_id) for w in outbox]
    tasks += [asyncio.create_task(d.run(stop), name=d.worker_id) for d in dispatchers]
    app[keys.WORKER_TASKS].extend(tasks)
    yield
    await _stop(stop, tasks)


async def _stop(stop: asyncio.Event, tasks: list[asyncio.Task[None]]) -> None:
    """Let every loop finish the batch in hand; cancel what is still running after the grace
    period (its leases expire and other workers take the exchanges over)."""
    stop.set()
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE_SECONDS)
    for task in pending:
        task.cancel()
    for task in pending:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if pending:
        _log.warning("%d worker(s) did not stop in %.0f s and were cancelled", len(pending),
                     SHUTDOWN_GRACE_SECONDS)


async def _recovery(app: web.Application) -> AsyncIterator[None]:
    options = app[keys.OPTIONS]
    pipeline = InboundPipeline(app[keys.DATABASE], app[keys.ANALYZER], clock=options.clock)

    async def sweep() -> None:
        while True:
            await asyncio.sleep(options.recovery_interval)
            try:
                await pipeline.resume_stale()
            except Exception:
                _log.exception("inbound recovery sweep failed")

    task = asyncio.create_task(sweep(), name="inbound-recovery")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def start(app: web.Application, *, host: str, port: int,
                ssl_context: ssl.SSLContext | None = None) -> web.AppRunner:
    """Serve `app` in the running event loop (several apps may run side by side); stop it
    with ``await runner.cleanup()``. Port 0 picks a free port: see `bound_port`. With
    `ssl_context` (gateway.server_tls.server_ssl_context) it serves HTTPS."""
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
    await site.start()
    return runner


def bound_port(runner: web.AppRunner) -> int:
    """The TCP port a started runner listens on."""
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    raise RuntimeError("the runner is not listening on a TCP port")
