"""Probes, metrics, rate limits and hardening headers, through the API on both databases."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gateway.api import keys
from tests.integration.api.conftest import Gateway, GatewayFactory, invalid_invoice, with_id
from tests.unit.partners.certs import make_certificate

XML = {"Content-Type": "application/xml"}


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one Prometheus sample in exposition `text`, None when absent."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)", line)
        if match is None or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(3) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(4))
    return None


async def metrics_text(gateway: Gateway, **headers: str) -> str:
    response = await gateway.client.get("/metrics", headers=headers)
    assert response.status == 200, await response.text()
    assert response.content_type == "text/plain"
    return await response.text()


async def test_healthz_answers_without_dependencies(gateway: Gateway) -> None:
    response = await gateway.client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["status"] == "alive"


async def test_readyz_reports_every_check(make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway(workers=1, webhook_workers=1)
    body = await (await gateway.client.get("/readyz")).json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "workers", "artefacts"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["workers"]["detail"] == "2 running"
    assert body["outbox_workers"] == 1
    alias = await (await gateway.client.get("/health")).json()
    assert alias["checks"].keys() == body["checks"].keys()


async def test_readyz_is_503_when_a_worker_stopped(make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway(workers=1)
    task = gateway.app[keys.WORKER_TASKS][0]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    response = await gateway.client.get("/readyz")
    assert response.status == 503
    problem = await response.json()
    assert problem["code"] == "not-ready"
    assert problem["checks"]["workers"]["ok"] is False
    assert problem["checks"]["database"]["ok"] is True
    assert (await gateway.client.get("/healthz")).status == 200  # alive, just not ready


async def test_readyz_is_503_when_migrations_are_behind(make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway(migrate=False)  # a fresh, never migrated database
    response = await gateway.client.get("/readyz")
    assert response.status == 503
    checks = (await response.json())["checks"]
    assert checks["migrations"]["ok"] is False
    assert "revision none" in checks["migrations"]["detail"]
    assert checks["database"]["ok"] is True


async def test_metrics_count_documents_and_read_the_outbox(
    gateway: Gateway, invoice_xml: bytes
) -> None:
    receiver, auth = await gateway.create_partner("acme")
    assert (await gateway.client.post("/v1/documents", data=invoice_xml,
                                      headers={**auth, **XML})).status == 201
    assert (await gateway.client.post("/v1/documents", data=invalid_invoice(
        with_id(invoice_xml, "bad-1")), headers={**auth, **XML})).status == 422
    queued = await gateway.send_outbound(receiver, with_id(invoice_xml, "out-1"),
                                         content_type="application/xml")
    assert queued.status == 202, await queued.text()

    text = await metrics_text(gateway)
    assert sample(text, "gateway_documents_total", direction="inbound",
                  document_type="invoice", state="routed") == 1
    assert sample(text, "gateway_documents_total", direction="inbound",
                  document_type="invoice", state="rejected") == 1
    assert sample(text, "gateway_documents_total", direction="outbound",
                  document_type="invoice", state="queued") == 1
    assert sample(text, "gateway_outbox_depth", state="queued") == 1
    assert (sample(text, "gateway_outbox_oldest_age_seconds") or 0) >= 0
    assert (sample(text, "gateway_validation_seconds_count", document_type="invoice")
            or 0) >= 3

    assert await gateway.run_outbox() == 1
    text = await metrics_text(gateway)
    assert sample(text, "gateway_outbox_depth", state="queued") == 0
    assert sample(text, "gateway_outbox_oldest_age_seconds") == 0
    # The test drives its own worker (no metrics passed): delivery is counted by the app's
    # workers only, so the app's counter has no delivered sample.
    assert sample(text, "gateway_documents_total", direction="outbound",
                  state="delivered") is None


async def test_workers_count_deliveries_retries_and_dead_letters(
    make_gateway: GatewayFactory, invoice_xml: bytes
) -> None:
    gateway = await make_gateway(workers=1)
    receiver, _ = await gateway.create_partner("acme")
    gateway.fake.fail_next(2, retryable=True)
    await gateway.send_outbound(receiver, invoice_xml, content_type="application/xml")

    async def delivered() -> bool:
        text = await metrics_text(gateway)
        return sample(text, "gateway_documents_total", direction="outbound",
                      state="delivered") == 1

    await gateway.wait_for(delivered)
    text = await metrics_text(gateway)
    assert sample(text, "gateway_outbox_retries_total", document_type="invoice") == 2
    assert sample(text, "gateway_dead_letter_exchanges") == 0


async def test_partner_certificate_expiry_is_exported(gateway: Gateway) -> None:
    partner_id, _ = await gateway.create_partner("acme")
    now = datetime.now(UTC)
    pem, _ = make_certificate("acme", now - timedelta(days=1), now + timedelta(days=30))
    response = await gateway.client.post(
        f"/admin/v1/partners/{partner_id}/certificates", headers=gateway.admin,
        json={"pem": pem.decode(), "purpose": "tls"})
    assert response.status == 201, await response.text()
    text = await metrics_text(gateway)
    days = sample(text, "gateway_certificate_expiry_days", partner_id=partner_id)
    assert days is not None
    assert 29 < days <= 30


async def test_metrics_token_protects_metrics(make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway(settings={"metrics_token": "scrape-secret"})
    assert (await gateway.client.get("/metrics")).status == 401
    bad = await gateway.client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert bad.status == 401
    assert "gateway_outbox_depth" in await metrics_text(
        gateway, Authorization="Bearer scrape-secret")


async def test_two_apps_have_separate_registries(make_gateway: GatewayFactory,
                                                 invoice_xml: bytes) -> None:
    first, second = await make_gateway(), await make_gateway()
    _, auth = await first.create_partner("acme")
    await first.client.post("/v1/documents", data=invoice_xml, headers={**auth, **XML})
    assert sample(await metrics_text(first), "gateway_documents_total",
                  state="routed") == 1
    assert sample(await metrics_text(second), "gateway_documents_total",
                  state="routed") is None


async def test_partner_key_limit_answers_429_with_retry_after(
    make_gateway: GatewayFactory
) -> None:
    gateway = await make_gateway(settings={"rate_limit_partner_per_second": 0.5,
                                           "rate_limit_partner_burst": 2})
    _, auth = await gateway.create_partner("acme")
    _, other = await gateway.create_partner("beta")
    statuses = [(await gateway.client.get("/v1/inbox", headers=auth)).status
                for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = await gateway.client.get("/v1/inbox", headers=auth)
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "2"
    problem = await refused.json()
    assert problem["code"] == "rate-limited"
    assert (await gateway.client.get("/v1/inbox", headers=other)).status == 200
    text = await metrics_text(gateway)
    assert sample(text, "gateway_rate_limited_requests_total", scope="partner_key") == 2


async def test_address_limit_spares_probes(make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway(settings={"rate_limit_address_per_second": 0.1,
                                           "rate_limit_address_burst": 1})
    assert (await gateway.client.get("/openapi.json")).status == 200
    refused = await gateway.client.get("/openapi.json")
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) == 10
    assert refused.headers["X-Request-Id"]
    for path in ("/healthz", "/readyz", "/metrics"):
        assert (await gateway.client.get(path)).status == 200, path


async def test_secure_headers_and_no_hsts_over_plain_http(gateway: Gateway) -> None:
    for response in (await gateway.client.get("/healthz"),
                     await gateway.client.get("/nowhere")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
        assert "Strict-Transport-Security" not in response.headers


async def test_hsts_when_served_over_https(make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway(settings={"public_url": "https://gw.example",
                                           "hsts_max_age": 600})
    response = await gateway.client.get("/healthz")
    assert response.headers["Strict-Transport-Security"] == "max-age=600; includeSubDomains"


async def test_outbox_age_grows_with_time(make_gateway: GatewayFactory,
                                          invoice_xml: bytes) -> None:
    clock = Clock(datetime.now(UTC))
    gateway = await make_gateway(clock=clock)
    receiver, _ = await gateway.create_partner("acme")
    await gateway.send_outbound(receiver, invoice_xml, content_type="application/xml")
    clock.now += timedelta(minutes=5)
    age = sample(await metrics_text(gateway), "gateway_outbox_oldest_age_seconds")
    assert age == 300


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now
