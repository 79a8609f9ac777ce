from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.transports.base import Envelope, InboundRequest, Transport
from gateway.transports.endpoint import EndpointConfig
from gateway.transports.errors import (
    DeliveryError,
    DeliveryTimeoutError,
    RemoteRejectedError,
    RemoteUnavailableError,
)
from gateway.transports.fake import FakeTransport

ENDPOINT = EndpointConfig("fake://partner", transport="fake")
NOW = datetime(2024, 6, 3, 16, 0, tzinfo=UTC)


def envelope(message_id: str = "msg-1") -> Envelope:
    return Envelope(
        message_id=message_id,
        document_type="peppol-bis-billing-3-invoice",
        sender_id="0088:1",
        receiver_id="0088:2",
        payload=b"<Invoice/>",
        content_type="application/xml",
    )


async def send_until_delivered(fake: FakeTransport, message_id: str, limit: int = 10) -> int:
    """What the outbox does: the same envelope until it is delivered or the error is final."""
    for attempt in range(1, limit + 1):
        try:
            await fake.send(envelope(message_id), ENDPOINT)
        except DeliveryError as exc:
            if not exc.retryable:
                raise
        else:
            return attempt
    raise AssertionError("never delivered")


def test_is_a_transport() -> None:
    assert isinstance(FakeTransport(), Transport)


async def test_records_and_receipts() -> None:
    fake = FakeTransport(clock=lambda: NOW)
    receipt = await fake.send(envelope(), ENDPOINT)
    assert receipt.status_code == 202
    assert receipt.received_at == NOW
    assert receipt.remote_message_id == "fake-1"
    assert b'"message_id": "msg-1"' in receipt.raw
    assert fake.delivered == [envelope()]
    assert fake.attempts_for("msg-1") == 1


async def test_fails_n_times_then_delivers() -> None:
    fake = FakeTransport()
    fake.fail_next(2)
    assert await send_until_delivered(fake, "msg-1") == 3
    assert fake.attempts_for("msg-1") == 3
    assert fake.deliveries_for("msg-1") == 1
    assert [a.error is not None for a in fake.attempts] == [True, True, False]
    assert isinstance(fake.attempts[0].error, RemoteUnavailableError)
    assert fake.pending_failures == 0


async def test_non_retryable_failure_stops() -> None:
    fake = FakeTransport()
    fake.fail_next(retryable=False)
    with pytest.raises(RemoteRejectedError) as caught:
        await send_until_delivered(fake, "msg-1")
    assert caught.value.retryable is False
    assert fake.deliveries_for("msg-1") == 0


async def test_script_for_one_message_leaves_others_alone() -> None:
    fake = FakeTransport()
    fake.fail_next(3, message_id="msg-b")
    await fake.send(envelope("msg-a"), ENDPOINT)
    assert await send_until_delivered(fake, "msg-b") == 4
    assert fake.attempt_counts() == {"msg-a": 1, "msg-b": 4}


async def test_custom_errors_are_fresh_each_time() -> None:
    fake = FakeTransport()
    fake.fail_with(
        lambda env: DeliveryTimeoutError(f"{env.message_id} slow", wire_code="timeout"), times=2
    )
    errors = []
    for _ in range(2):
        with pytest.raises(DeliveryTimeoutError) as caught:
            await fake.send(envelope(), ENDPOINT)
        errors.append(caught.value)
    assert errors[0] is not errors[1]
    await fake.send(envelope(), ENDPOINT)


async def test_redelivery_gets_the_same_remote_id() -> None:
    fake = FakeTransport()
    first = await fake.send(envelope("msg-1"), ENDPOINT)
    again = await fake.send(envelope("msg-1"), ENDPOINT)
    other = await fake.send(envelope("msg-2"), ENDPOINT)
    assert first.remote_message_id == again.remote_message_id != other.remote_message_id
    assert fake.deliveries_for("msg-1") == 2  # the fake counts; de-duplication is the receiver's


def test_times_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        FakeTransport().fail_next(0)


async def test_receive_records_inbound() -> None:
    fake = FakeTransport()
    request = InboundRequest({"Content-Type": "application/json"}, b"{}", NOW)
    inbound = await fake.receive(request, ENDPOINT)
    assert inbound.transport == "fake"
    assert fake.received == [inbound]
