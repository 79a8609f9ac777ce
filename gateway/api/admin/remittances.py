"""Admin API: open items (the receivables ledger), remittance uploads and the review queue.

POST /admin/v1/remittances takes a bank or advice file as the raw body (camt.052/053/054,
MT940, CSV, UBL RemittanceAdvice, remt.001; the format is detected) and answers 201 with the
matched lines, or 200 with the first import when the same bytes were uploaded before. A
malformed file is a 400 naming the line or element, and nothing is stored. Lines in review are
confirmed (the proposed match or chosen allocations), split (allocations that add up to the
payment) or rejected. See docs/remittance.md.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from aiohttp import web

from gateway.api.admin.common import json_write
from gateway.api.http import (
    actor,
    database,
    iso,
    json_response,
    max_document_bytes,
    now,
    page,
    query_choice,
    query_limit,
    query_text,
    read_body,
)
from gateway.api.spec import (
    JSON,
    PAGINATION,
    Body,
    Operation,
    Param,
    json_reply,
    list_of,
    page_of,
    ref,
)
from gateway.db.tables.remittance import OpenItemRow, RemittanceFile, RemittanceLineRow
from gateway.errors import InputError
from gateway.remittance import store

OCTET = "application/octet-stream"


def _amount(value: Decimal) -> str:
    return format(value, "f")


def open_item_view(row: OpenItemRow) -> dict[str, Any]:
    return {
        "id": row.id, "number": row.number, "customer_id": row.customer_id,
        "customer_name": row.customer_name, "partner_id": row.partner_id,
        "currency": row.currency, "amount": _amount(row.amount),
        "open_amount": _amount(row.open_amount),
        "issue_date": row.issue_date.isoformat() if row.issue_date else None,
        "due_date": row.due_date.isoformat() if row.due_date else None,
        "creditor_reference": row.creditor_reference, "state": row.state,
        "created_at": iso(row.created_at), "updated_at": iso(row.updated_at),
    }


def line_view(row: RemittanceLineRow) -> dict[str, Any]:
    return {
        "id": row.id, "file_id": row.file_id, "position": row.position, "state": row.state,
        "decision": row.decision, "confidence": row.confidence, "line": row.line,
        "match": row.match, "candidates": row.candidates, "reasons": row.reasons,
        "flags": row.flags, "duplicate_of": row.duplicate_of, "allocations": row.allocations,
        "created_at": iso(row.created_at), "updated_at": iso(row.updated_at),
    }


def file_view(row: RemittanceFile, lines: list[RemittanceLineRow]) -> dict[str, Any]:
    return {
        "id": row.id, "partner_id": row.partner_id, "filename": row.filename,
        "format": row.format, "sha256": row.sha256, "line_count": row.line_count,
        "created_at": iso(row.created_at),
        "summary": dict(Counter(line.state for line in lines)),
        "lines": [line_view(line) for line in lines],
    }


# --- open items -------------------------------------------------------------------------------


async def load_open_items(request: web.Request) -> web.Response:
    async def work(body: dict[str, Any]) -> web.Response:
        entries = body.get("items")
        if not isinstance(entries, list):
            raise InputError("field 'items' must list the open items")
        async with database(request).transaction() as session:
            rows = await store.load_open_items(session, entries, now=now(request),
                                               actor=actor(request))
        return json_response({"items": [open_item_view(r) for r in rows]}, status=201)

    return await json_write(request, work)


async def list_open_items(request: web.Request) -> web.Response:
    limit = query_limit(request)
    async with database(request).read() as session:
        rows = await store.list_open_items(
            session, state=query_choice(request, "state", ("open", "partially_paid", "paid")),
            after=query_text(request, "after"), limit=limit)
    return json_response(page(rows, limit, open_item_view, lambda r: r.id))


# --- remittance files -------------------------------------------------------------------------


async def upload_remittance(request: web.Request) -> web.Response:
    raw = await read_body(request, max_document_bytes(request))
    if not raw.strip():
        raise InputError("the request body must be a remittance file; it is empty")
    filename = (request.query.get("filename") or request.headers.get("X-Filename")
                or "upload")
    imported = await store.import_file(
        database(request), raw, filename=filename, now=now(request), actor=actor(request),
        partner_id=query_text(request, "partner_id"))
    return json_response(file_view(imported.file, imported.lines),
                         status=201 if imported.created else 200,
                         headers={"Location": f"/admin/v1/remittances/{imported.file.id}"})


async def get_remittance(request: web.Request) -> web.Response:
    async with database(request).read() as session:
        row = await store.get_file(session, request.match_info["file_id"])
        lines = await store.lines_of(session, row.id)
    return json_response(file_view(row, lines))


# --- review queue -----------------------------------------------------------------------------


async def review_queue(request: web.Request) -> web.Response:
    limit = query_limit(request)
    async with database(request).read() as session:
        rows = await store.review_queue(session, after=query_text(request, "after"),
                                        limit=limit)
    return json_response(page(rows, limit, line_view, lambda r: r.id))


async def confirm_line(request: web.Request) -> web.Response:
    async def work(body: dict[str, Any]) -> web.Response:
        chosen = store.bookings(body["allocations"]) if "allocations" in body else None
        async with database(request).transaction() as session:
            row = await store.confirm(session, request.match_info["line_id"], chosen,
                                      now=now(request), actor=actor(request))
        return json_response(line_view(row))

    return await json_write(request, work, body_required=False)


async def split_line(request: web.Request) -> web.Response:
    async def work(body: dict[str, Any]) -> web.Response:
        chosen = store.bookings(body.get("allocations"))
        async with database(request).transaction() as session:
            row = await store.confirm(session, request.match_info["line_id"], chosen,
                                      now=now(request), actor=actor(request), split=True)
        return json_response(line_view(row))

    return await json_write(request, work)


async def reject_line(request: web.Request) -> web.Response:
    async def work(body: dict[str, Any]) -> web.Response:
        reason = body.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise InputError("field 'reason' must be a string")
        async with database(request).transaction() as session:
            row = await store.reject(session, request.match_info["line_id"], now=now(request),
                                     actor=actor(request), reason=reason)
        return json_response(line_view(row))

    return await json_write(request, work, body_required=False)


LINE = "/review-queue/{line_id}"
_LINE_REPLY = {200: json_reply("The line, booked or rejected.", ref("RemittanceLine"))}

OPERATIONS = (
    Operation("POST", "/open-items", load_open_items, "loadOpenItems",
              "Load open items (the receivables the matcher works against)", "remittance",
              replies={201: json_reply("Loaded.", list_of("OpenItem"))},
              body=Body({JSON: ref("OpenItemsLoad")}), errors=(400, 409), idempotent=True),
    Operation("GET", "/open-items", list_open_items, "listOpenItems", "Open items",
              "remittance", replies={200: json_reply("A page of open items.",
                                                     page_of("OpenItem"))},
              query=(*PAGINATION, Param("state", "open, partially_paid or paid"))),
    Operation("POST", "/remittances", upload_remittance, "uploadRemittance",
              "Upload a bank statement, notification or remittance advice and match it",
              "remittance",
              replies={201: json_reply("Imported and matched.", ref("RemittanceFile"),
                                       Location="The file's URL"),
                       200: json_reply("These bytes were imported before: the first result.",
                                       ref("RemittanceFile"), Location="The file's URL")},
              query=(Param("filename", "The file's name (or the X-Filename header)."),
                     Param("partner_id", "The partner (bank) the file came from.")),
              body=Body({OCTET: {"type": "string", "format": "binary"}},
                        "camt.052/053/054, MT940, CSV, UBL RemittanceAdvice or remt.001"),
              errors=(400, 413, 415)),
    Operation("GET", "/remittances/{file_id}", get_remittance, "getRemittance",
              "An imported file with its lines and decisions", "remittance",
              replies={200: json_reply("The file.", ref("RemittanceFile"))}, errors=(404,)),
    Operation("GET", "/review-queue", review_queue, "listReviewQueue",
              "Payment lines waiting for a person, with candidates and evidence", "remittance",
              replies={200: json_reply("A page of lines in review.", page_of("RemittanceLine"))},
              query=PAGINATION),
    Operation("POST", LINE + "/confirm", confirm_line, "confirmReviewLine",
              "Book the proposed match, or the allocations given", "remittance",
              replies=_LINE_REPLY, body=Body({JSON: ref("ReviewConfirm")}),
              errors=(400, 404, 409), idempotent=True),
    Operation("POST", LINE + "/split", split_line, "splitReviewLine",
              "Book the payment across several open items (must add up to the payment)",
              "remittance", replies=_LINE_REPLY, body=Body({JSON: ref("ReviewSplit")}),
              errors=(400, 404, 409), idempotent=True),
    Operation("POST", LINE + "/reject", reject_line, "rejectReviewLine",
              "Not a payment of an open item: book nothing", "remittance",
              replies=_LINE_REPLY, body=Body({JSON: ref("ReviewReject")}),
              errors=(400, 404, 409), idempotent=True),
)
