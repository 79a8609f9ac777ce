from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from gateway.errors import InputError
from gateway.transports.base import Envelope, InboundRequest, Receipt
from gateway.transports.errors import PayloadIntegrityError

PAYLOAD = b"<Invoice/>"


def envelope(**changes: object) -> Envelope:
    fields: dict[str, object] = {
        "message_id": "msg-1",
        "document_type": "peppol-bis-billing-3-invoice",
        "sender_id": "0088:5790000435968",
        "receiver_id": "0088:5790000435975",
        "payload": PAYLOAD,
        "content_type": "application/xml",
    }
    fields.update(changes)
    return Envelope(**fields)  # type: ignore[arg-type]


def test_sha256_is_computed() -> None:
    assert envelope().sha256 == hashlib.sha256(PAYLOAD).hexdigest()


def test_matching_sha256_is_accepted_in_any_case() -> None:
    digest = hashlib.sha256(PAYLOAD).hexdigest().upper()
    assert envelope(sha256=digest).payload == PAYLOAD


def test_altered_payload_is_refused() -> None:
    with pytest.raises(PayloadIntegrityError) as caught:
        envelope(sha256=hashlib.sha256(b"other").hexdigest())
    assert caught.value.retryable is False
    assert caught.value.code == "payload-checksum-mismatch"


@pytest.mark.parametrize(
    "changes",
    [
        {"message_id": "msg 1"},
        {"message_id": "msg-1\r\nX-Evil: 1"},
        {"message_id": ""},
        {"document_type": "a,b"},
        {"sender_id": "x\ny"},
        {"content_type": ""},
        {"headers": {"X-Trace": "a\r\nb"}},
        {"headers": {"Bad Name": "v"}},
    ],
)
def test_header_injection_and_empty_ids_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(InputError):
        envelope(**changes)


def test_headers_and_metadata_are_frozen_copies() -> None:
    headers = {"X-Trace": "1"}
    made = envelope(headers=headers, metadata={"process": "p"})
    headers["X-Trace"] = "2"
    assert made.headers == {"X-Trace": "1"}
    with pytest.raises(TypeError):
        made.headers["X-Trace"] = "3"  # type: ignore[index]


def test_payload_is_not_in_repr() -> None:
    assert "Invoice" not in repr(envelope())


def test_receipt_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Receipt("m", "http", datetime(2024, 1, 1), b"", "0" * 64)


def test_inbound_request_headers_are_case_insensitive() -> None:
    request = InboundRequest({"content-type": "application/xml"}, b"x", datetime.now(UTC))
    assert request.headers["Content-Type"] == "application/xml"
