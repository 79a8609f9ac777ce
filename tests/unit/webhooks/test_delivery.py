from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.errors import ConfigurationError, InputError
from gateway.webhooks.delivery import (
    EVENT_TYPE_HEADER,
    RetryPolicy,
    WebhookEvent,
    backoff_ceiling,
    backoff_delay,
    backoff_schedule,
    event_document,
    event_payload,
    new_event,
    next_attempt_at,
    payload_from_document,
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

    def test_stored_document_renders_the_same_bytes(self) -> None:
        original = event(amount=Decimal("0.10"), nested={"x": [1, 2]})
        stored = json.loads(json.dumps(event_document(original)))  # through a JSON column
        assert payload_from_document(stored) == event_payload(original)

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
    def test_webhook_envelope_from_document(self) -> None:
        document = event_document(event(x=1))
        envelope = webhook_envelope(document, sender_id="gateway", receiver_id="erp")
        assert envelope.message_id == "evt_1"
        assert envelope.document_type == "event:invoice.delivered"
        assert envelope.content_type == "application/json"
        assert envelope.headers == {EVENT_TYPE_HEADER: "invoice.delivered"}
        assert envelope.payload == event_payload(event(x=1))

    def test_document_without_id_is_refused(self) -> None:
        with pytest.raises(InputError, match="'id' and 'type'"):
            webhook_envelope({"type": "a.b"}, sender_id="g", receiver_id="r")


class TestBackoff:
    policy = RetryPolicy(
        max_attempts=6, base_delay=timedelta(seconds=10), max_delay=timedelta(seconds=100)
    )

    def test_ceilings_double_and_cap(self) -> None:
        assert backoff_schedule(self.policy) == [
            timedelta(seconds=s) for s in (10, 20, 40, 80, 100)
        ]

    def test_full_jitter_spans_zero_to_ceiling(self) -> None:
        assert backoff_delay(3, self.policy, lambda: 0.0) == timedelta(0)
        assert backoff_delay(3, self.policy, lambda: 0.5) == timedelta(seconds=20)
        assert backoff_delay(3, self.policy, lambda: 0.999) < timedelta(seconds=40)

    def test_random_unit_out_of_range_is_refused(self) -> None:
        with pytest.raises(ValueError, match=r"\[0, 1\)"):
            backoff_delay(1, self.policy, lambda: 1.0)

    def test_huge_failure_counts_do_not_overflow(self) -> None:
        assert backoff_ceiling(10_000, self.policy) == timedelta(seconds=100)

    def test_next_attempt_until_exhausted(self) -> None:
        assert next_attempt_at(1, self.policy, now=NOW, random_unit=lambda: 0.5) == NOW + (
            timedelta(seconds=5)
        )
        assert next_attempt_at(5, self.policy, now=NOW, random_unit=lambda: 0.5) is not None
        assert next_attempt_at(6, self.policy, now=NOW, random_unit=lambda: 0.5) is None

    def test_retry_after_is_a_lower_bound_capped_at_max_delay(self) -> None:
        at = next_attempt_at(
            1, self.policy, now=NOW, random_unit=lambda: 0.0, retry_after=timedelta(seconds=30)
        )
        assert at == NOW + timedelta(seconds=30)
        capped = next_attempt_at(
            1, self.policy, now=NOW, random_unit=lambda: 0.0, retry_after=timedelta(hours=5)
        )
        assert capped == NOW + timedelta(seconds=100)

    @pytest.mark.parametrize(
        ("attempts", "base", "cap"),
        [(0, 1, 10), (3, 0, 10), (3, 20, 10)],
    )
    def test_invalid_policy(self, attempts: int, base: int, cap: int) -> None:
        with pytest.raises(ConfigurationError):
            RetryPolicy(attempts, timedelta(seconds=base), timedelta(seconds=cap))


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
