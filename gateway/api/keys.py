"""Typed keys for what the application shares with handlers and workers (no globals).

Each resource is created and closed by a `cleanup_ctx` in gateway.app and read by handlers
through ``request.config_dict[KEY]``, which also works inside the partner and admin sub-apps.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

from gateway.db.database import Database
from gateway.observability.metrics import GatewayMetrics
from gateway.observability.ratelimit import TokenBucketLimiter
from gateway.settings import Settings
from gateway.transports.registry import TransportSet

if TYPE_CHECKING:
    from gateway.app import AppOptions
    from gateway.db.repos.credentials import Principal
    from gateway.exchange.analysis import DocumentAnalyzer
    from gateway.exchange.worker import OutboxWorker
    from gateway.signing import DocumentSigner
    from gateway.webhooks.dispatcher import WebhookDispatcher

SETTINGS = web.AppKey("settings", Settings)
OPTIONS: web.AppKey[AppOptions] = web.AppKey("options")
DATABASE = web.AppKey("database", Database)
HTTP_CLIENT = web.AppKey("http_client", aiohttp.ClientSession)
ANALYZER: web.AppKey[DocumentAnalyzer] = web.AppKey("analyzer")
TRANSPORTS = web.AppKey("transports", TransportSet)
OUTBOX_WAKEUP = web.AppKey("outbox_wakeup", asyncio.Event)
"""Set when an exchange was queued in this process, so an idle worker starts at once."""
WEBHOOK_WAKEUP = web.AppKey("webhook_wakeup", asyncio.Event)
OUTBOX_WORKERS: web.AppKey[list[OutboxWorker]] = web.AppKey("outbox_workers")
WEBHOOK_DISPATCHERS: web.AppKey[list[WebhookDispatcher]] = web.AppKey("webhook_dispatchers")
WORKER_TASKS: web.AppKey[list[asyncio.Task[None]]] = web.AppKey("worker_tasks")
"""The running outbox worker and webhook dispatcher tasks (the readiness check watches them)."""
METRICS = web.AppKey("metrics", GatewayMetrics)
DOCUMENT_SIGNER: web.AppKey[DocumentSigner | None] = web.AppKey("document_signer")
"""The gateway's document signer, loaded once from signing_key_file/signing_cert_file."""
SCHEMA_HEAD = web.AppKey("schema_head", str)
"""The migration revision this code needs (readiness compares the database with it)."""
SERVER_CERT_NOT_AFTER: web.AppKey[datetime | None] = web.AppKey("server_cert_not_after")
ADDRESS_LIMITER = web.AppKey("address_limiter", TokenBucketLimiter)
PARTNER_LIMITER = web.AppKey("partner_limiter", TokenBucketLimiter)

PRINCIPAL: web.RequestKey[Principal] = web.RequestKey("principal")
"""The partner (and API key) a partner-API request is authenticated as."""
ACTOR = web.RequestKey("actor", str)
"""Who the request acts as, for the audit log: ``partner:<id>/<key id>`` or ``admin``."""
REQUEST_ID = web.RequestKey("request_id", str)
