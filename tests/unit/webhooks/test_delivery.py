from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.errors import ConfigurationError, InputError
from gateway.exchange.retry import RetryPolicy
from gateway.webhooks.delivery import (
    EVENT_TYPE_HEADER,
    WebhookEvent,
    event_payload,
    new_event,
    next_attempt_at,
    webhook_envelope,
)
from gateway.webhooks.secrets import load_signing_keys, resolve_secret_ref

NOW = datetime(2024, 6, 3, 16, 0, tzinfo=UTC)


def event(**data: object) -> WebhookEvent:
    return WebhookEvent("evt_1", "invoice.delivered", NOW, data)


class TestEventPayload:
    def test_shape_and_canonical_bytes(self) -> None:
        payload = event(invoice_id="INV-1", amount=Decimal("1250.00"), due=date(2024, 7, 1))
        assert event_payload(payload) == (
            b'{"created_at":"2024-06-03T16:00:00+00:00","data":{"amount":"1250.00",'
            b'"due":"2024-07-01","invoice_id":"INV-1"},"id":"evt_1","type":"invoice.delivered"}'
        )

    def test_created_at_is_written_in_utc(self) -> None:
        cet = timezone(timedelta(hours=2))
        moment = datetime(2024, 6, 3, 18, 0, tzinfo=cet)
        document = json.loads(event_payload(WebhookEvent("evt_2", "a.b", moment, {})))
        assert document["created_at"] == "2024-06-03T16:00:00+00:00"

    def test_same_event_same_bytes_regardless_of_key_order(self) -> None:
        assert event_payload(event(b=1, a=2)) == event_payload(event(a=2, b=1))

    def test_data_read_back_from_a_json_column_renders_the_same_bytes(self) -> None:
        original = event(amount=Decimal("0.10"), nested={"x": [1, 2]}, flag=True)
        stored = json.loads(json.dumps(dict(original.data), default=str))
        assert event_payload(event(**stored)) == event_payload(original)

    def test_money_is_never_a_float(self) -> None:
        document = json.loads(event_payload(event(amount=Decimal("0.1"))))
        assert document["data"]["amount"] == "0.1"

    @pytest.mark.parametrize("bad", [object(), float("nan"), datetime(2024, 1, 1)])
    def test_unserialisable_data_is_a_clear_error(self, bad: object) -> None:
        with pytest.raises((InputError, ValueError)):
            event_payload(event(value=bad))

    @pytest.mark.parametrize(
        "event_type", ["Invoice.Delivered", "invoice", "a." + "b" * 70, "a..b"]
    )
    def test_event_type_is_validated(self, event_type: str) -> None:
        with pytest.raises(InputError, match="event type"):
            WebhookEvent("evt_1", event_type, NOW, {})

    def test_new_event_makes_an_id_that_fits_the_db_column(self) -> None:
        made = new_event("order.received", {"order_id": "O-1"}, now=NOW)
        assert made.event_id.startswith("evt_")
        assert len(made.event_id) <= 36
        assert new_event("order.received", {}, now=NOW).event_id != made.event_id

    def test_naive_created_at_is_refused(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            WebhookEvent("evt_1", "a.b", datetime(2024, 1, 1), {})


class TestEnvelope:
    def test_webhook_envelope(self) -> None:
        envelope = webhook_envelope(event(x=1), sender_id="gateway", receiver_id="erp")
        assert envelope.message_id == "evt_1"
        assert envelope.document_type == "event:invoice.delivered"
        assert envelope.content_type == "application/json"
        assert envelope.headers == {EVENT_TYPE_HEADER: "invoice.delivered"}
        assert envelope.payload == event_payload(event(x=1))

    def test_event_id_must_be_header_safe(self) -> None:
        with pytest.raises(InputError, match="event id"):
            WebhookEvent("evt 1", "a.b", NOW, {})


class TestNextAttempt:
    """The backoff itself is gateway.exchange.retry's; this checks the composition."""

    policy = RetryPolicy(
        base_delay=timedelta(seconds=10),
        factor=2.0,
        max_delay=timedelta(seconds=100),
        jitter=0.2,
        max_attempts=4,
    )

    def test_follows_the_exchange_backoff_until_exhausted(self) -> None:
        middle = lambda: 0.5  # noqa: E731 - u = 0.5 means no jitter
        assert next_attempt_at(1, self.policy, now=NOW, rng=middle) == NOW + timedelta(seconds=10)
        assert next_attempt_at(3, self.policy, now=NOW, rng=middle) == NOW + timedelta(seconds=40)
        assert next_attempt_at(4, self.policy, now=NOW, rng=middle) is None

    def test_retry_after_is_a_lower_bound_capped_at_max_delay(self) -> None:
        low = lambda: 0.0  # noqa: E731
        at = next_attempt_at(1, self.policy, now=NOW, rng=low, retry_after=timedelta(seconds=30))
        assert at == NOW + timedelta(seconds=30)
        capped = next_attempt_at(1, self.policy, now=NOW, rng=low, retry_after=timedelta(hours=5))
        assert capped == NOW + timedelta(seconds=100)
        shorter = next_attempt_at(1, self.policy, now=NOW, rng=low, retry_after=timedelta(0))
        assert shorter == NOW + timedelta(seconds=8)  # 10 s with -20 % jitter

    def test_naive_now_is_refused(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            next_attempt_at(1, self.policy, now=datetime(2024, 1, 1))


class TestSecrets:
    def test_env_and_file_references(self, tmp_path: Path) -> None:
        secret_file = tmp_path / "hook.key"
        secret_file.write_bytes(b"whsec_from_a_file_0001\n")
        keys = load_signing_keys(
            [
                {"key_id": "k2", "secret_ref": "env:HOOK_K2"},
                {"key_id": "k1", "secret_ref": f"file:{secret_file}"},
            ],
            env={"HOOK_K2": "whsec_from_the_env_002"},
        )
        assert [(k.key_id, k.secret) for k in keys] == [
            ("k2", b"whsec_from_the_env_002"),
            ("k1", b"whsec_from_a_file_0001"),
        ]

    @pytest.mark.parametrize("ref", ["env:MISSING", "file:/nonexistent/key", "vault:x", "env:"])
    def test_unresolvable_reference_names_it(self, ref: str) -> None:
        with pytest.raises(ConfigurationError, match=ref.split(":")[0]):
            resolve_secret_ref(ref, env={})

    def test_entry_without_key_id(self) -> None:
        with pytest.raises(ConfigurationError, match="key_id"):
            load_signing_keys([{"secret_ref": "env:X"}], env={"X": "x" * 20})
