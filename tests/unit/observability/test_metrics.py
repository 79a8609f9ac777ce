"""GatewayMetrics: per-app registries, exposition with scrape-time families."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.observability.metrics import GatewayMetrics, days_until, server_certificate_metric


def test_registries_do_not_collide() -> None:
    first, second = GatewayMetrics(), GatewayMetrics()
    first.document("inbound", "invoice", "routed")
    first.outbox_failure("invoice", "dead_letter")
    first.outbox_failure(None, "retry_wait")
    text = first.render().decode()
    assert ('gateway_documents_total{direction="inbound",document_type="invoice",'
            'state="routed"} 1.0') in text
    assert 'gateway_outbox_dead_letters_total{document_type="invoice"} 1.0' in text
    assert 'gateway_outbox_retries_total{document_type="unknown"} 1.0' in text
    assert "gateway_documents_total{" not in second.render().decode()


def test_timers_observe_durations() -> None:
    metrics = GatewayMetrics()
    with metrics.validation_timer("invoice"):
        pass
    with metrics.conversion_timer("json_to_ubl", "order"):
        pass
    text = metrics.render().decode()
    assert 'gateway_validation_seconds_count{document_type="invoice"} 1.0' in text
    assert ('gateway_conversion_seconds_count{conversion="json_to_ubl",document_type="order"}'
            ' 1.0') in text


def test_scrape_time_families_are_appended() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    extra = server_certificate_metric(now + timedelta(days=12, hours=12), now)
    text = GatewayMetrics().render(extra).decode()
    assert "gateway_tls_certificate_expiry_days 12.5" in text
    assert server_certificate_metric(None, now) == []
    assert days_until(now - timedelta(days=1), now) == -1
