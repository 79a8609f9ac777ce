"""Admin (internal systems) API: send a document to a partner.

POST /admin/v1/outbound?receiver=<partner id>&document_type=invoice with the gateway's JSON
(application/json) or UBL XML (application/xml) as the body: rendered, validated, stored and
queued in one transaction; 202 with the exchange id. The outbox worker delivers it through
the receiving partner's endpoint (or its pull inbox). 422 with the findings when invalid (the
document is stored, its exchange rejected).
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.api import keys
from gateway.api.admin.common import ADMIN_SCOPE, PREFIX, wake_outbox
from gateway.api.http import actor, database, json_response, max_document_bytes, read_body
from gateway.api.idempotent import complete_in, run_idempotent
from gateway.api.problem import ProblemError, error_response
from gateway.api.spec import JSON, XML, Body, Operation, Param, json_reply, ref
from gateway.errors import InputError
from gateway.exchange.outbound import OutboundPipeline, OutboundResult


async def submit_outbound(request: web.Request) -> web.Response:
    receiver = request.query.get("receiver")
    if not receiver:
        raise InputError("query parameter 'receiver' (the receiving partner's id) is required")
    analyzer = request.config_dict[keys.ANALYZER]
    body = await read_body(request, max_document_bytes(request))
    pipeline = OutboundPipeline(database(request), analyzer,
                                clock=request.config_dict[keys.OPTIONS].clock,
                                signer=request.config_dict[keys.DOCUMENT_SIGNER])

    async def work() -> web.Response:
        answers: list[web.Response] = []

        async def store_answer(session: AsyncSession, result: OutboundResult) -> None:
            # The answer commits with the document and its queued exchange (crash-safe
            # Idempotency-Key: gateway.api.idempotent.complete_in).
            answers.append(_response(request, result))
            await complete_in(session, answers[0])

        result = await pipeline.submit(
            receiver_id=receiver, raw=body, content_type=request.headers.get("Content-Type"),
            actor=actor(request), declared_type=request.query.get("document_type"),
            before_commit=store_answer,
        )
        if result.accepted:
            wake_outbox(request)
        return answers[0]

    return await run_idempotent(request, scope=ADMIN_SCOPE, body=body, work=work)


def _response(request: web.Request, result: OutboundResult) -> web.Response:
    """The 202, or the 422 problem of a rejected document (stored all the same)."""
    try:
        return _answer(result)
    except ProblemError as exc:
        return error_response(exc, instance=request.path,
                              request_id=request.get(keys.REQUEST_ID))


def _answer(result: OutboundResult) -> web.Response:
    exchange = result.exchange
    if not result.accepted:
        raise ProblemError(result.analysis.rejection(), findings=result.analysis.findings,
                           extra={"exchange_id": exchange.id, "document_id": result.source.id,
                                  "state": exchange.state})
    body = {
        "exchange_id": exchange.id,
        "message_id": exchange.message_id,
        "state": exchange.state,
        "partner_id": exchange.partner_id,
        "document_type": exchange.document_type,
        "document_id": exchange.document_id,
        "source_document_id": result.source.id,
        "findings": [f.to_dict() for f in result.analysis.findings],
        "links": {"exchange": f"{PREFIX}/exchanges/{exchange.id}",
                  "document": f"{PREFIX}/documents/{exchange.document_id}"},
    }
    return json_response(body, status=202,
                         headers={"Location": f"{PREFIX}/exchanges/{exchange.id}"})


OPERATIONS = (
    Operation(
        "POST", "/outbound", submit_outbound, "submitOutbound",
        "Send a document to a partner (internal systems)", "outbound",
        replies={202: json_reply("Validated and queued for delivery.", ref("OutboundAccepted"),
                                 Location="The exchange's URL")},
        query=(Param("receiver", "The receiving partner's id.", required=True),
               Param("document_type", "Registry key (required for JSON).")),
        body=Body({JSON: ref("CanonicalDocument"), XML: ref("UblDocument")}),
        errors=(400, 404, 409, 413, 415, 422), idempotent=True,
    ),
)
