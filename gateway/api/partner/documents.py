"""Partner API: submit a document (inbound to us) and read one's own documents.

POST /v1/documents takes UBL XML (application/xml) or the gateway's JSON (application/json,
with ``document_type``). The document is stored byte-exact, de-duplicated, validated and
routed to the internal systems; the answer is 201 with the document (warnings included), or
a problem: 422 with the findings (the document is stored, rejected), 400 for unreadable or
hostile input, 413 over the size limit, 415 for an unsupported type. A re-sent document
(same message id and bytes) is answered 200 with the first copy, ``duplicate: true``.
"""

from __future__ import annotations

from aiohttp import web

from gateway.api import documents as docs
from gateway.api import keys
from gateway.api.http import (
    actor,
    database,
    json_response,
    max_document_bytes,
    partner_id,
    read_body,
)
from gateway.api.idempotent import run_idempotent
from gateway.api.problem import ProblemError
from gateway.api.spec import (
    JSON,
    PAGINATION,
    XML,
    Body,
    Operation,
    Param,
    Reply,
    json_reply,
    page_of,
    ref,
)
from gateway.api.views import document_view
from gateway.errors import DocumentInvalid
from gateway.exchange.inbound import InboundPipeline, InboundResult
from gateway.findings import Finding, Layer, Severity
from gateway.transports.http_protocol import DOCUMENT_TYPE_HEADER, MESSAGE_ID_HEADER

PREFIX = "/v1"
RECEIPT_ID_HEADER = "X-Gateway-Receipt-Id"


def declared_type(request: web.Request) -> str | None:
    return request.query.get("document_type") or request.headers.get(DOCUMENT_TYPE_HEADER)


async def submit(request: web.Request) -> web.Response:
    analyzer = request.config_dict[keys.ANALYZER]
    body = await read_body(request, max_document_bytes(request))
    pipeline = InboundPipeline(database(request), analyzer,
                               clock=request.config_dict[keys.OPTIONS].clock)

    async def work() -> web.Response:
        result = await pipeline.receive(
            partner_id=partner_id(request), raw=body,
            content_type=request.headers.get("Content-Type"), actor=actor(request),
            message_id=request.headers.get(MESSAGE_ID_HEADER),
            declared_type=declared_type(request),
        )
        return _answer(result)

    return await run_idempotent(request, scope=partner_id(request), body=body, work=work)


def _answer(result: InboundResult) -> web.Response:
    exchange = result.original if result.duplicate and result.original else result.exchange
    view = document_view(result.document, exchange, prefix=PREFIX)
    extra = {"document_id": result.document.id, "exchange_id": exchange.id,
             "state": exchange.state}
    if not result.accepted:
        if result.analysis is not None:
            raise ProblemError(result.analysis.rejection(), extra=extra,
                               findings=result.analysis.findings)
        raise ProblemError(_stored_rejection(result), extra=extra | {"duplicate": True})
    headers = {RECEIPT_ID_HEADER: result.document.id, "Location": view["links"]["self"]}
    if result.duplicate:
        return json_response(view | {"duplicate": True}, status=200, headers=headers)
    return json_response(view | {"duplicate": False}, status=201, headers=headers)


def _stored_rejection(result: InboundResult) -> DocumentInvalid:
    """The rejection of a duplicate: the findings stored with the first copy."""
    findings = [Finding(f["rule_id"], Severity(f["severity"]), Layer(f["layer"]), f["message"],
                        f.get("xpath"), f.get("json_pointer"), f.get("bt"))
                for f in result.document.findings]
    return DocumentInvalid("this document was received before and rejected", findings=findings)


async def list_own(request: web.Request) -> web.Response:
    return await docs.list_documents(request, partner_id(request), PREFIX)


async def get_one(request: web.Request) -> web.Response:
    return await docs.get_document(request, partner_id(request), PREFIX)


async def get_xml(request: web.Request) -> web.Response:
    return await docs.get_xml(request, partner_id(request))


async def get_json(request: web.Request) -> web.Response:
    return await docs.get_json(request, partner_id(request))


async def get_findings(request: web.Request) -> web.Response:
    return await docs.get_findings(request, partner_id(request))


async def get_events(request: web.Request) -> web.Response:
    return await docs.get_events(request, partner_id(request))


DOC_ID = "/documents/{document_id}"
_TYPE_PARAM = Param("document_type", "Registry key of the document type (required for JSON; "
                    "also accepted as the X-Gateway-Document-Type header).")

OPERATIONS = (
    Operation(
        "POST", "/documents", submit, "submitDocument", "Send a document to the gateway",
        "documents",
        replies={
            201: json_reply("Accepted and routed; warnings in `findings`.", ref("Document"),
                            Location="The document's URL",
                            **{RECEIPT_ID_HEADER: "The document id"}),
            200: json_reply("A duplicate of a document received before (same message id and "
                            "bytes): the first copy.", ref("Document")),
        },
        query=(_TYPE_PARAM,
               Param(MESSAGE_ID_HEADER, "Your message id: with the bytes' SHA-256, the "
                     "de-duplication key (default: sha256:<hex> of the bytes).",
                     location="header"),
               Param(DOCUMENT_TYPE_HEADER, "Registry key, as the document_type parameter.",
                     location="header")),
        body=Body({XML: ref("UblDocument"), JSON: ref("CanonicalDocument")},
                  "UBL XML, or the gateway's JSON with document_type."),
        errors=(400, 409, 413, 415, 422),
        idempotent=True,
    ),
    Operation("GET", "/documents", list_own, "listDocuments", "List your documents",
              "documents", replies={200: json_reply("A page of documents.", page_of("Document"))},
              query=(*PAGINATION, Param("direction", "inbound or outbound"),
                     Param("document_type", "Registry key"))),
    Operation("GET", DOC_ID, get_one, "getDocument", "A document and its state", "documents",
              replies={200: json_reply("The document.", ref("Document"))}, errors=(404,)),
    Operation("GET", DOC_ID + "/xml", get_xml, "getDocumentXml", "The document as UBL XML",
              "documents", replies={200: Reply("UBL XML.", {XML: ref("UblDocument")})},
              errors=(404,)),
    Operation("GET", DOC_ID + "/json", get_json, "getDocumentJson",
              "The document as the gateway's JSON", "documents",
              replies={200: json_reply("Canonical JSON.", ref("CanonicalDocument"))},
              errors=(404,)),
    Operation("GET", DOC_ID + "/findings", get_findings, "getDocumentFindings",
              "Validation findings", "documents",
              replies={200: json_reply("Findings.", ref("DocumentFindings"))}, errors=(404,)),
    Operation("GET", DOC_ID + "/events", get_events, "getDocumentEvents",
              "State changes and acknowledgements", "documents",
              replies={200: json_reply("Events.", ref("DocumentEvents"))}, errors=(404,)),
)
