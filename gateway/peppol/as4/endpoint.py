"""The receiving access point's HTTP endpoint: an aiohttp handler factory to mount at /as4.

Per request (peppol-as4.md §1.13 inbound checklist):

1. read the body with a size cap (HTTP 413 and an ebMS error beyond it);
2. verify, decrypt, decompress, check SBDH and recipient (``inbound.receive_user_message``,
   in a worker thread: it is CPU-bound) and build the signed receipt;
3. hand the message and the receipt to the ``InboundSink``, which de-duplicates by MessageId
   and persists **before** we answer (``store.StoreSink`` on the gateway database);
4. answer synchronously: the receipt, or an ebMS Error signal (signed with our AP key unless
   ``sign_errors`` is off) naming the code: EBMS:0101/0102/0103/0303/0009/0003, or EBMS:0004
   with ``PEPPOL:NOT_SERVICED``.

Signals go out with HTTP 200 (older phase4 clients read only 2xx bodies), except when we could
not persist (EBMS:0004 with HTTP 500, so every sender retries) or the body was too large (413).
The handler never raises: whatever happens, the sender gets an ebMS answer.

Mounting (the app owns the database, so the sink resolves it lazily)::

    from gateway.peppol.as4.endpoint import As4Endpoint, as4_handler
    from gateway.peppol.as4.store import StoreSink
    sink = StoreSink(lambda: app[keys.DATABASE], clock=clock)
    app.router.add_post("/as4", as4_handler(As4Endpoint(receiver=settings, sink=sink)))
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from gateway.errors import PayloadTooLarge
from gateway.peppol.as4.errors import OTHER, POLICY_NONCOMPLIANCE, As4Rejected
from gateway.peppol.as4.inbound import ReceivedUserMessage, ReceiverSettings, receive_user_message
from gateway.peppol.as4.signals import ErrorReport, Signal, build_error_signal, build_receipt
from gateway.transports.base import Clock, InboundRequest, utc_now
from gateway.transports.http import read_inbound_request

_log = logging.getLogger(__name__)
DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Acceptance:
    """What the sink did: ``duplicate`` when the MessageId was received before (nothing new
    was accepted; the sender still gets a receipt)."""

    duplicate: bool
    exchange_id: str | None = None
    document_id: str | None = None


class InboundSink(Protocol):
    async def accept(
        self, message: ReceivedUserMessage, *, receipt: Signal, request: InboundRequest
    ) -> Acceptance:
        """Persist (or recognise as a duplicate) before the receipt is sent; raise
        ``As4Rejected`` to answer an ebMS error, anything else answers EBMS:0004/HTTP 500."""
        ...


@dataclass(frozen=True, slots=True)
class As4Endpoint:
    receiver: ReceiverSettings
    sink: InboundSink
    clock: Clock = utc_now
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    sign_errors: bool = True


@dataclass(frozen=True, slots=True)
class _Verified:
    message: ReceivedUserMessage
    receipt: Signal


def _verify_and_sign(
    endpoint: As4Endpoint, request: InboundRequest, content_type: str
) -> _Verified:
    message = receive_user_message(content_type, request.body, endpoint.receiver)
    receipt = build_receipt(
        ref_to_message_id=message.message_id,
        references=message.signature.references,
        credentials=endpoint.receiver.keys[0],
        timestamp=endpoint.clock(),
    )
    return _Verified(message, receipt)


def _signal_response(signal: Signal, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=signal.body, headers={"Content-Type": signal.content_type}
    )


def error_response(
    endpoint: As4Endpoint, error: ErrorReport, ref_to: str | None, status: int = 200
) -> web.Response:
    signal = build_error_signal(
        [error],
        ref_to_message_id=ref_to,
        timestamp=endpoint.clock(),
        credentials=endpoint.receiver.keys[0] if endpoint.sign_errors else None,
    )
    return _signal_response(signal, status)


def _remote(request: web.Request) -> str:
    return request.remote or "?"


def as4_handler(endpoint: As4Endpoint) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The POST handler for the AS4 endpoint (see the module docstring for mounting)."""

    async def handle(request: web.Request) -> web.Response:
        try:
            inbound = await read_inbound_request(
                request, max_bytes=endpoint.max_request_bytes, clock=endpoint.clock
            )
        except PayloadTooLarge as exc:
            _log.warning("AS4 request from %s refused: %s", _remote(request), exc.message)
            return error_response(
                endpoint, ErrorReport(POLICY_NONCOMPLIANCE, exc.message), None, 413
            )
        try:
            verified = await asyncio.to_thread(
                _verify_and_sign, endpoint, inbound, request.headers.get("Content-Type", "")
            )
        except As4Rejected as exc:
            _log.warning(
                "AS4 message %s from %s refused: %s",
                exc.ref_to_message_id or "?",
                _remote(request),
                exc,
            )
            return error_response(endpoint, ErrorReport.of(exc), exc.ref_to_message_id)
        return await _persist_and_answer(endpoint, verified, inbound)

    return handle


async def _persist_and_answer(
    endpoint: As4Endpoint, verified: _Verified, inbound: InboundRequest
) -> web.Response:
    message = verified.message
    try:
        acceptance = await endpoint.sink.accept(message, receipt=verified.receipt, request=inbound)
    except As4Rejected as exc:
        _log.warning("AS4 message %s refused by the store: %s", message.message_id, exc)
        return error_response(endpoint, ErrorReport.of(exc), message.message_id)
    except Exception:
        _log.exception("AS4 message %s could not be stored", message.message_id)
        report = ErrorReport(OTHER, "the message could not be stored; send it again later")
        return error_response(endpoint, report, message.message_id, status=500)
    _log.info(
        "AS4 message %s from %s for %s %s (exchange %s)",
        message.message_id,
        message.header.from_party,
        message.final_recipient,
        "was a duplicate" if acceptance.duplicate else "accepted",
        acceptance.exchange_id,
    )
    return _signal_response(verified.receipt)
