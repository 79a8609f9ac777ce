"""An in-memory transport for tests: records every attempt, fails on a script, counts per id.

It behaves like a well-mannered partner: a message id it has already accepted is accepted
again with the same remote id (idempotent), which is what the HTTP convention asks receivers
to do, so exchange tests can check retries never produce a second delivery downstream.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from gateway.transports.base import (
    Clock,
    Envelope,
    Inbound,
    InboundRequest,
    Receipt,
    sha256_hex,
    utc_now,
)
from gateway.transports.endpoint import EndpointConfig
from gateway.transports.errors import DeliveryError, RemoteRejectedError, RemoteUnavailableError
from gateway.transports.http_protocol import parse_inbound

ErrorFactory = Callable[[Envelope], DeliveryError]


@dataclass(frozen=True, slots=True)
class Attempt:
    envelope: Envelope
    endpoint: EndpointConfig
    at: datetime
    error: DeliveryError | None


@dataclass(slots=True)
class _ScriptedFailure:
    make_error: ErrorFactory
    remaining: int
    message_id: str | None

    def applies_to(self, envelope: Envelope) -> bool:
        return self.remaining > 0 and self.message_id in (None, envelope.message_id)


def scripted_unavailable(envelope: Envelope) -> DeliveryError:
    return RemoteUnavailableError(
        f"{envelope.message_id}: scripted HTTP 503", wire_code="http:503", remote_status=503
    )


def scripted_rejection(envelope: Envelope) -> DeliveryError:
    return RemoteRejectedError(
        f"{envelope.message_id}: scripted HTTP 400", wire_code="http:400", remote_status=400
    )


class FakeTransport:
    """A scriptable partner: ``attempts`` holds every try, ``delivered`` the successes."""

    name = "fake"

    def __init__(self, *, clock: Clock = utc_now, latency: float = 0.0) -> None:
        self._clock = clock
        self._latency = latency
        self._script: list[_ScriptedFailure] = []
        self._remote_ids: dict[str, str] = {}
        self.attempts: list[Attempt] = []
        self.delivered: list[Envelope] = []
        self.received: list[Inbound] = []

    def fail_next(
        self, times: int = 1, *, retryable: bool = True, message_id: str | None = None
    ) -> None:
        """The next ``times`` sends (of ``message_id``, or of any message) fail with a 503
        (retryable) or a 400 (not retryable)."""
        factory = scripted_unavailable if retryable else scripted_rejection
        self.fail_with(factory, times=times, message_id=message_id)

    def fail_with(
        self, make_error: ErrorFactory, *, times: int = 1, message_id: str | None = None
    ) -> None:
        """Script any DeliveryError (a fresh one per failing attempt); scripts apply in order."""
        if times < 1:
            raise ValueError("times must be at least 1")
        self._script.append(_ScriptedFailure(make_error, times, message_id))

    def attempts_for(self, message_id: str) -> int:
        return sum(1 for attempt in self.attempts if attempt.envelope.message_id == message_id)

    def deliveries_for(self, message_id: str) -> int:
        return sum(1 for envelope in self.delivered if envelope.message_id == message_id)

    def attempt_counts(self) -> Counter[str]:
        return Counter(attempt.envelope.message_id for attempt in self.attempts)

    @property
    def pending_failures(self) -> int:
        return sum(failure.remaining for failure in self._script)

    async def send(self, envelope: Envelope, endpoint: EndpointConfig) -> Receipt:
        if self._latency:
            await asyncio.sleep(self._latency)
        error = self._scripted_error(envelope)
        self.attempts.append(Attempt(envelope, endpoint, self._clock(), error))
        if error is not None:
            raise error
        self.delivered.append(envelope)
        return self._receipt(envelope)

    async def receive(self, request: InboundRequest, endpoint: EndpointConfig) -> Inbound:
        inbound = parse_inbound(request, endpoint, transport=self.name)
        self.received.append(inbound)
        return inbound

    def _scripted_error(self, envelope: Envelope) -> DeliveryError | None:
        failure = next((f for f in self._script if f.applies_to(envelope)), None)
        if failure is None:
            return None
        failure.remaining -= 1
        if failure.remaining == 0:
            self._script.remove(failure)
        return failure.make_error(envelope)

    def _receipt(self, envelope: Envelope) -> Receipt:
        remote_id = self._remote_ids.setdefault(
            envelope.message_id, f"fake-{len(self._remote_ids) + 1}"
        )
        raw = json.dumps(
            {
                "status": "accepted",
                "message_id": envelope.message_id,
                "receipt_id": remote_id,
                "sha256": envelope.sha256,
            },
            sort_keys=True,
        ).encode()
        return Receipt(
            message_id=envelope.message_id,
            transport=self.name,
            received_at=self._clock(),
            raw=raw,
            sha256=sha256_hex(raw),
            status_code=202,
            remote_message_id=remote_id,
            content_type="application/json",
        )
