"""The Peppol access point in the gateway app (docs/peppol.md), mounted by gateway.app when
``settings.peppol_enabled``:

* ``POST /as4``: the AS4 endpoint (gateway.peppol.as4.endpoint) with ``StoreSink`` on the
  app's database; the sink persists before the receipt goes out, then hands the new exchange
  to ``InboundPipeline.process_stored`` (validate → parse → route) at once. The periodic
  ``resume_stale`` sweep stays the safety net for a process that stops in between;
* ``GET /smp/{participant}`` and ``GET /smp/{participant}/services/{document}``: our SMP
  (gateway.peppol.smp_server), when ``peppol_smp_publish`` is on;
* a background task refreshing the CRLs (gateway.peppol.revocation) until shutdown;
* the ``peppol-as4`` transport configuration (``transport_config``) for the registry.

The routes are declared as `Operation`s, so /openapi.json describes them exactly when they are
mounted. Their answers are ebMS signals and SMP XML, never problem documents (only the
rate limit's 429 and an unexpected 500 are).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from gateway.api import keys
from gateway.api.spec import Api, Handler, Operation, Reply
from gateway.exchange.inbound import InboundPipeline
from gateway.peppol.access_point import AccessPoint, build_access_point
from gateway.peppol.as4.endpoint import As4Endpoint, as4_handler
from gateway.peppol.as4.store import ACTOR, StoreSink
from gateway.peppol.as4.transport import As4TransportConfig
from gateway.peppol.smp_server import SmpPublisher
from gateway.settings import Settings
from gateway.transports.base import Clock

ACCESS_POINT = web.AppKey("peppol_access_point", AccessPoint)
AS4_SINK = web.AppKey("peppol_as4_sink", StoreSink)
SOAP = "application/soap+xml"
_SIGNAL = {SOAP: {"type": "string", "description": "An ebMS 3.0 SignalMessage (SOAP 1.2)."}}
_SMP_XML = {"text/xml": {"type": "string"}}
STOP_GRACE_SECONDS = 5.0
_NOT_PUBLISHED = Reply("Not published here (the participant or document type).",
                       {"text/plain": {"type": "string"}})


def _as4_operation(handler: Handler) -> Operation:
    return Operation(
        "POST", "/as4", handler, "receiveAs4Message", "Peppol AS4 endpoint (receive)", "peppol",
        replies={
            200: Reply("The signed Receipt (NonRepudiationInformation), or an ebMS Error "
                       "signal (EBMS:0101/0102/0103/0303/0009/0003, EBMS:0004 with "
                       "PEPPOL:NOT_SERVICED).", _SIGNAL),
            413: Reply("The request exceeds the size limit (ebMS Error EBMS:0103).", _SIGNAL),
            500: Reply("The message could not be stored (ebMS Error EBMS:0004): send it "
                       "again.", _SIGNAL),
        },
        errors=(429,),
        description="The request is a Peppol AS4 UserMessage (`multipart/related`, SOAP 1.2 "
                    "with WS-Security): signed, encrypted, gzip-compressed SBD. Authenticated "
                    "by the message signature (Peppol AP PKI), not by an API key. See "
                    "docs/peppol.md.",
    )


def _smp_operations(publisher: SmpPublisher) -> tuple[Operation, ...]:
    return (
        Operation("GET", "/smp/{participant}", publisher.handle_service_group,
                  "getSmpServiceGroup", "SMP ServiceGroup of one of our participants", "peppol",
                  replies={200: Reply("Peppol SMP 1.x ServiceGroup.", _SMP_XML),
                           404: _NOT_PUBLISHED},
                  errors=(429,)),
        Operation("GET", "/smp/{participant}/services/{document}",
                  publisher.handle_service_metadata, "getSmpServiceMetadata",
                  "Signed SMP ServiceMetadata for one document type", "peppol",
                  replies={200: Reply("Peppol SMP 1.x SignedServiceMetadata (signed with "
                                      "our SMP key).", _SMP_XML),
                           404: _NOT_PUBLISHED},
                  errors=(429,)),
    )


def mount_access_point(app: web.Application, settings: Settings, *, clock: Clock) -> Api:
    """Build the access point once (ConfigurationError on a bad setting), register its
    background task, and return the Api whose operations the app routes and describes."""
    access_point = build_access_point(settings, clock=clock,
                                      session=lambda: app[keys.HTTP_CLIENT])

    async def route_at_once(exchange_id: str) -> None:
        pipeline = InboundPipeline(app[keys.DATABASE], app[keys.ANALYZER], clock=clock)
        await pipeline.process_stored(exchange_id, actor=ACTOR)

    sink = StoreSink(lambda: app[keys.DATABASE], clock=clock, on_accepted=route_at_once)
    app[ACCESS_POINT] = access_point
    app[AS4_SINK] = sink
    endpoint = As4Endpoint(receiver=access_point.receiver_settings(), sink=sink, clock=clock)
    app.cleanup_ctx.append(_background)
    operations: tuple[Operation, ...] = (_as4_operation(as4_handler(endpoint)),)
    if access_point.publisher is not None:
        operations += _smp_operations(access_point.publisher)
    return Api("peppol", "", None, operations)


def transport_config(app: web.Application) -> As4TransportConfig | None:
    """The ``peppol-as4`` transport's configuration; None when the app is no access point."""
    access_point = app.get(ACCESS_POINT)
    if access_point is None:
        return None
    return access_point.transport_config(app[keys.HTTP_CLIENT])


async def _background(app: web.Application) -> AsyncIterator[None]:
    """CRL refresh until shutdown; then the hand-overs still running finish (their exchanges
    would otherwise wait for the recovery sweep of the next start)."""
    revocation = app[ACCESS_POINT].revocation
    stop = asyncio.Event()
    task = (asyncio.create_task(revocation.run(stop), name="peppol-crl-refresh")
            if revocation is not None else None)
    yield
    stop.set()
    if task is not None:  # a refresh in flight gets a moment, then is cancelled
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, STOP_GRACE_SECONDS)
    await app[AS4_SINK].drain()
