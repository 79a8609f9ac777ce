"""Prometheus metrics of one app, in its own `CollectorRegistry` (never the global default
one: several apps in one process must not share or collide).

Two kinds:

* counted where things happen (this process since it started; Prometheus sums processes):
  documents by direction, type and state, validation and conversion latency, outbox retries
  and dead letters, webhook deliveries, rate-limited requests;
* read from the database at each scrape (the same for every process, so aggregate them with
  ``max``): outbox depth by state and age of the oldest pending item, dead-letter exchanges,
  days to expiry of every partner certificate; plus the server TLS certificate's days to
  expiry, read from its file at start-up.

The full list is in docs/operations.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography import x509
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.context_managers import Timer
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.database import Database
from gateway.db.tables.exchanges import Exchange
from gateway.db.tables.partners import PartnerCertificate
from gateway.exchange.states import Direction, State

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UNKNOWN = "unknown"
SECONDS_PER_DAY = 86_400.0
PENDING_STATES = (State.QUEUED, State.RETRY_WAIT, State.SENDING)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class GatewayMetrics:
    """The counters and histograms of one app; handlers and workers call its methods."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.documents = Counter(
            "gateway_documents", "Documents that reached a state in this process.",
            ["direction", "document_type", "state"], registry=reg)
        self.validation_seconds = Histogram(
            "gateway_validation_seconds", "Time to validate one document (all layers).",
            ["document_type"], buckets=LATENCY_BUCKETS, registry=reg)
        self.conversion_seconds = Histogram(
            "gateway_conversion_seconds", "Time to convert one document between syntaxes.",
            ["conversion", "document_type"], buckets=LATENCY_BUCKETS, registry=reg)
        self.outbox_retries = Counter(
            "gateway_outbox_retries", "Failed outbound deliveries scheduled for another try.",
            ["document_type"], registry=reg)
        self.dead_letters = Counter(
            "gateway_outbox_dead_letters", "Outbound exchanges given up (dead letter).",
            ["document_type"], registry=reg)
        self.webhook_deliveries = Counter(
            "gateway_webhook_deliveries", "Webhook delivery attempts by outcome.",
            ["outcome"], registry=reg)
        self.rate_limited = Counter(
            "gateway_rate_limited_requests", "Requests refused with 429, by limit.",
            ["scope"], registry=reg)

    def document(self, direction: str, document_type: str | None, state: str) -> None:
        self.documents.labels(direction, document_type or UNKNOWN, state).inc()

    def validation_timer(self, document_type: str) -> Timer:
        """``with metrics.validation_timer(key): ...`` observes the block's duration."""
        return self.validation_seconds.labels(document_type).time()

    def conversion_timer(self, conversion: str, document_type: str) -> Timer:
        return self.conversion_seconds.labels(conversion, document_type).time()

    def outbox_failure(self, document_type: str | None, state: str) -> None:
        """One failed delivery that ended in `state` (retry_wait or dead_letter)."""
        kind = document_type or UNKNOWN
        if state == State.DEAD_LETTER.value:
            self.dead_letters.labels(kind).inc()
        else:
            self.outbox_retries.labels(kind).inc()
        self.document(Direction.OUTBOUND.value, document_type, state)

    def webhook_delivery(self, outcome: str) -> None:
        """outcome: delivered, retry or dead_letter."""
        self.webhook_deliveries.labels(outcome).inc()

    def render(self, extra: Iterable[Metric] = ()) -> bytes:
        """The exposition text of this registry plus `extra` families (collected on scrape)."""
        return generate_latest(_Combined(self.registry, tuple(extra)))


@dataclass(frozen=True, slots=True)
class _Combined:
    registry: CollectorRegistry
    extra: Sequence[Metric]

    def collect(self) -> Iterator[Metric]:
        yield from self.registry.collect()
        yield from self.extra


@dataclass(frozen=True, slots=True)
class CertificateExpiry:
    not_after: datetime
    labels: tuple[str, ...] = field(default_factory=tuple)


async def database_metrics(db: Database, now: datetime) -> list[Metric]:
    """Outbox depth and age, dead letters and partner certificate expiry, read now (a few
    indexed aggregate queries; certificate rows without their PEM)."""
    async with db.read() as session:
        depth, oldest = await _outbox(session)
        dead = await _count_dead_letters(session)
        certificates = await _certificates(session)
    pending = GaugeMetricFamily("gateway_outbox_depth", "Outbound exchanges waiting to be sent.",
                                labels=["state"])
    for state in PENDING_STATES:
        pending.add_metric([state.value], depth.get(state.value, 0))
    age = GaugeMetricFamily("gateway_outbox_oldest_age_seconds",
                            "Age of the oldest waiting outbound exchange (0 when none).",
                            value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    dead_gauge = GaugeMetricFamily("gateway_dead_letter_exchanges",
                                   "Outbound exchanges in dead_letter now.", value=dead)
    expiry = GaugeMetricFamily("gateway_certificate_expiry_days",
                               "Days until a partner certificate expires (negative: expired).",
                               labels=["partner_id", "purpose", "certificate_id"])
    for certificate in certificates:
        expiry.add_metric(list(certificate.labels), days_until(certificate.not_after, now))
    return [pending, age, dead_gauge, expiry]


def days_until(moment: datetime, now: datetime) -> float:
    return round((moment - now).total_seconds() / SECONDS_PER_DAY, 3)


async def _outbox(session: AsyncSession) -> tuple[dict[str, int], datetime | None]:
    states = [s.value for s in PENDING_STATES]
    where = (Exchange.direction == Direction.OUTBOUND.value, Exchange.state.in_(states))
    rows = (await session.execute(
        select(Exchange.state, func.count()).where(*where).group_by(Exchange.state))).all()
    oldest = await session.scalar(select(func.min(Exchange.created_at)).where(*where))
    return {state: int(count) for state, count in rows}, oldest


async def _count_dead_letters(session: AsyncSession) -> int:
    count = await session.scalar(select(func.count()).where(
        Exchange.direction == Direction.OUTBOUND.value,
        Exchange.state == State.DEAD_LETTER.value))
    return int(count or 0)


async def _certificates(session: AsyncSession) -> list[CertificateExpiry]:
    rows = (await session.execute(select(
        PartnerCertificate.partner_id, PartnerCertificate.purpose, PartnerCertificate.id,
        PartnerCertificate.not_after))).all()
    return [CertificateExpiry(not_after, (partner_id, purpose, cert_id))
            for partner_id, purpose, cert_id, not_after in rows]


def server_certificate_expiry(cert_file: Path | None) -> datetime | None:
    """notAfter of the first certificate in the server's PEM file (None: no TLS)."""
    if cert_file is None:
        return None
    certificate = x509.load_pem_x509_certificate(cert_file.read_bytes())
    return certificate.not_valid_after_utc


def server_certificate_metric(not_after: datetime | None, now: datetime) -> list[Metric]:
    if not_after is None:
        return []
    return [GaugeMetricFamily("gateway_tls_certificate_expiry_days",
                              "Days until the server TLS certificate expires.",
                              value=days_until(not_after, now))]

