"""Test exchange: send a sample document to a partner before go-live (issue 7).

The operator uploads or pastes a document (UBL XML or the gateway's JSON); it goes through the
same outbound pipeline as the ERP's documents (validate, store, queue; the workers deliver it
through the partner's endpoint), and the document page shows the result: the findings, the
exchange's state and timeline, and the receipt once the partner acknowledged it.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_request import FileField

from gateway.admin import forms
from gateway.admin.render import redirect
from gateway.admin.session import FormData, form_data
from gateway.admin.views.partners import partner_page
from gateway.api import keys
from gateway.api.admin.common import wake_outbox
from gateway.api.http import actor, database, max_document_bytes
from gateway.documents.registry import REGISTRY
from gateway.errors import GatewayError, NotFound
from gateway.exchange.outbound import OutboundPipeline

FIELD = "document"


def _media_type(raw: bytes) -> str:
    """XML or JSON by the first significant character (the pipeline checks the rest)."""
    start = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "application/json" if start in (b"{", b"[") else "application/xml"


def _sample(form: FormData, limit: int, errors: forms.FieldErrors) -> bytes:
    upload = form.get("document_file")
    if isinstance(upload, FileField) and upload.filename:
        data = bytes(upload.file.read(limit + 1))
    else:
        data = forms.text(form, "document_text", errors, max_length=limit,
                          label="document").encode("utf-8")
    if len(data) > limit:
        errors[FIELD] = f"the document is larger than {limit} bytes"
    elif not data.strip() and FIELD not in errors:
        errors[FIELD] = "choose a file or paste the document"
    return data


async def send_test_document(request: web.Request) -> web.Response:
    partner_id = request.match_info["partner_id"]
    if len(partner_id) > 64:
        raise NotFound("partner not found")
    form = await form_data(request)
    errors: forms.FieldErrors = {}
    declared = forms.text(form, "sample_type", errors, max_length=64) or None
    if declared is not None and declared not in REGISTRY.keys:
        errors["sample_type"] = f"unknown document type {declared[:40]!r}"
    raw = _sample(form, max_document_bytes(request), errors)
    if "document_text" in errors:
        errors[FIELD] = errors.pop("document_text")
    if errors:
        return await partner_page(request, status=400, errors=errors)
    pipeline = OutboundPipeline(database(request), request.config_dict[keys.ANALYZER],
                                clock=request.config_dict[keys.OPTIONS].clock,
                                signer=request.config_dict[keys.DOCUMENT_SIGNER])
    try:
        result = await pipeline.submit(receiver_id=partner_id, raw=raw,
                                       content_type=_media_type(raw), actor=actor(request),
                                       declared_type=declared)
    except NotFound:
        raise
    except GatewayError as exc:
        if exc.http_status >= 500:
            raise
        return await partner_page(request, status=exc.http_status, errors={FIELD: exc.message})
    if result.accepted:
        wake_outbox(request)
    return redirect(f"/ui/documents/{result.source.id}?done=test-sent")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_post("/partners/{partner_id}/test-exchange", send_test_document)
