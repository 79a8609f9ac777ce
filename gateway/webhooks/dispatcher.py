"""The webhook dispatcher: posts the deliveries queued in the store, signed, with retries.

    claim (short transaction: pending / retry_wait whose time has come / expired lease →
           delivering, FOR UPDATE SKIP LOCKED on PostgreSQL; gateway.db.repos.webhooks)
    post  (no transaction open): the event rebuilt from the stored row, so every attempt and
           every replay sends the same bytes under the same event id, signed with every key
           of the subscription (HMAC-SHA256 over timestamp + body, gateway.webhooks.signing)
    record: delivered (with the HTTP status), retry_wait with exponential backoff and
           jitter, or dead_letter (a 4xx answer, or the attempts used up); an admin replays
           from there (POST /admin/v1/webhooks/deliveries/{id}/replay)

Every attempt is logged in the delivery row (attempts, last error, response status).
Subscription URLs must be HTTPS, except loopback addresses (a receiver on the same host) or
when the app allows plain HTTP for webhooks explicitly.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from gateway.db.database import Database
from gateway.db.repos import webhooks as webhooks_repo
from gateway.db.repos.webhooks import DeliveryLeaseLost
from gateway.db.tables.webhooks import WebhookDelivery, WebhookSubscription
from gateway.errors import ConfigurationError, GatewayError, NotFound
from gateway.exchange.retry import RetryPolicy
from gateway.exchange.worker import idle
from gateway.observability.context import bind_exchange
from gateway.observability.metrics import GatewayMetrics
from gateway.transports.base import Clock, Receipt
from gateway.transports.endpoint import EndpointConfig
from gateway.transports.errors import DeliveryError
from gateway.transports.registry import TransportSet
from gateway.webhooks.delivery import WebhookEvent, webhook_envelope
from gateway.webhooks.secrets import load_signing_keys

_log = logging.getLogger(__name__)
WEBHOOK_TRANSPORT = "http"


@dataclass(frozen=True, slots=True)
class DispatcherConfig:
    batch_size: int = 20
    poll_interval: float = 1.0
    lease: timedelta = webhooks_repo.DEFAULT_LEASE
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 30.0
    allow_plain_http: bool = False
    sender_id: str = "einvoice-gateway"


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebhookDispatcher:
    def __init__(
        self,
        db: Database,
        transports: TransportSet,
        *,
        worker_id: str,
        clock: Clock,
        config: DispatcherConfig | None = None,
        wakeup: asyncio.Event | None = None,
        metrics: GatewayMetrics | None = None,
    ) -> None:
        self.db = db
        self.transports = transports
        self.worker_id = worker_id
        self.clock = clock
        self.config = config or DispatcherConfig()
        self.wakeup = wakeup or asyncio.Event()
        self.metrics = metrics or GatewayMetrics()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                handled = await self.run_once()
            except Exception:
                _log.exception("webhook dispatcher %s: claiming failed", self.worker_id)
                handled = 0
            if handled == 0:
                await idle(stop, self.wakeup, self.config.poll_interval)

    async def run_once(self) -> int:
        async with self.db.transaction() as session:
            claimed = await webhooks_repo.claim_deliveries(
                session, worker_id=self.worker_id, now=self.clock(),
                limit=self.config.batch_size, lease=self.config.lease, policy=self.config.policy,
            )
        await asyncio.gather(*(self._post(delivery) for delivery in claimed))
        return len(claimed)

    async def _post(self, delivery: WebhookDelivery) -> None:
        exchange_id = delivery.payload.get("exchange_id")  # document events name their exchange
        bind_exchange(exchange_id if isinstance(exchange_id, str) else None)
        try:
            async with self.db.read() as session:
                subscription = await session.get(WebhookSubscription, delivery.subscription_id)
            if subscription is None:
                raise NotFound(f"subscription {delivery.subscription_id} no longer exists")
            if not subscription.active:  # paused: keep the event, try again later
                raise GatewayError(f"subscription {subscription.id} is paused", retryable=True)
            receipt = await self._send(delivery, subscription)
        except DeliveryError as exc:
            await self._record(self._failed(delivery, exc, exc.remote_status), delivery)
        except GatewayError as exc:
            await self._record(self._failed(delivery, exc, None), delivery)
        except Exception as exc:
            _log.exception("webhook %s: posting failed", delivery.id)
            error = GatewayError(f"internal error: {type(exc).__name__}: {exc}", retryable=True)
            await self._record(self._failed(delivery, error, None), delivery)
        else:
            await self._record(self._delivered(delivery, receipt), delivery)

    async def _send(self, delivery: WebhookDelivery, subscription: WebhookSubscription) -> Receipt:
        event = WebhookEvent(delivery.event_id, delivery.event_type, delivery.created_at,
                             delivery.payload)
        envelope = webhook_envelope(event, sender_id=self.config.sender_id,
                                    receiver_id=subscription.id)
        endpoint = EndpointConfig(
            url=subscription.url,
            signing_keys=load_signing_keys(subscription.signing_keys),
            timeout=self.config.timeout,
            allow_plain_http=self.config.allow_plain_http or is_loopback_url(subscription.url),
        )
        return await self.transports.get(WEBHOOK_TRANSPORT).send(envelope, endpoint)

    async def _record(self, action: Awaitable[None], delivery: WebhookDelivery) -> None:
        try:
            await action
        except (DeliveryLeaseLost, NotFound) as exc:
            _log.warning("webhook %s not recorded: %s", delivery.id, exc.message)

    async def _delivered(self, delivery: WebhookDelivery, receipt: Receipt) -> None:
        async with self.db.transaction() as session:
            await webhooks_repo.mark_delivered(
                session, delivery.id, worker_id=self.worker_id, now=self.clock(),
                response_status=receipt.status_code or 200,
            )
        self.metrics.webhook_delivery("delivered")

    async def _failed(
        self, delivery: WebhookDelivery, error: GatewayError, status: int | None
    ) -> None:
        wire = getattr(error, "wire_code", None)
        message = f"[{error.code}{' ' + wire if wire else ''}] {error.message}"
        # A missing secret is fixed by an operator: keep retrying rather than dead-letter.
        retryable = error.retryable or isinstance(error, ConfigurationError)
        async with self.db.transaction() as session:
            if retryable:
                await webhooks_repo.schedule_retry(
                    session, delivery.id, worker_id=self.worker_id, now=self.clock(),
                    error=message, response_status=status, policy=self.config.policy,
                )
            else:
                await webhooks_repo.dead_letter(
                    session, delivery.id, worker_id=self.worker_id, now=self.clock(),
                    error=message, response_status=status,
                )
        self.metrics.webhook_delivery("retry" if retryable else "dead_letter")
