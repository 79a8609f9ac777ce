"""Partner pages: list with search, onboarding (create), edit (name, status, identifiers,
endpoints, capabilities), certificate upload, API keys (issued once, revoked).

Identifiers are checked with gateway.partners.identifiers before anything is written, so each
bad line is reported next to the field; the partner, its identifiers and capabilities are
created in one transaction (a refused identifier leaves no half-onboarded partner).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from gateway.admin import forms
from gateway.admin.queries import search_partners
from gateway.admin.render import redirect, render
from gateway.admin.session import FormData, form_data
from gateway.api import keys
from gateway.api.http import actor, database, now
from gateway.db.repos import credentials
from gateway.db.repos import partners as partners_repo
from gateway.db.tables.partners import PARTNER_STATUSES
from gateway.documents.registry import REGISTRY
from gateway.errors import Conflict, InputError, NotFound
from gateway.exchange.endpoints import PULL_TRANSPORT, check_endpoint_settings
from gateway.jsonio import load_json
from gateway.partners.api_keys import check_partner_prefix
from gateway.partners.certificates import expiry_status
from gateway.partners.identifiers import ParticipantId, parse_participant_id
from gateway.transports.registry import default_registry

MAX_IDENTIFIERS = 20
MAX_PEM_BYTES = 64 * 1024
NOTICES = {
    "created": "Partner created.",
    "saved": "Changes saved.",
    "identifier-added": "Identifier added.",
    "identifier-removed": "Identifier removed.",
    "endpoint-added": "Endpoint added.",
    "endpoint-updated": "Endpoint updated.",
    "capabilities": "Capabilities saved.",
    "certificate-removed": "Certificate removed.",
    "key-revoked": "API key revoked.",
}

Errors = forms.FieldErrors


def _partner_url(partner_id: str, done: str | None = None) -> str:
    return f"/ui/partners/{partner_id}" + (f"?done={done}" if done else "")


def _transport_names(request: web.Request) -> list[str]:
    registry = request.config_dict[keys.OPTIONS].transport_registry or default_registry()
    return sorted({*registry.names(), PULL_TRANSPORT})


def document_types() -> list[tuple[str, str]]:
    return [(t.key, t.title) for t in REGISTRY]


def _route_id(request: web.Request, name: str) -> str:
    value = request.match_info[name]
    if len(value) > 64:
        raise NotFound(f"{name.replace('_', ' ')} {value[:64]}… not found")
    return value


# --- identifiers checked as you type ----------------------------------------------------------


async def check_identifiers(request: web.Request) -> web.Response:
    """``{valid, message}`` for ``?value=`` (one identifier per line): the check the forms
    run on submit, asked early by static/identifiers.js."""
    errors: Errors = {}
    raw = forms.text(request.query, "value", errors, max_length=forms.MAX_FIELD)
    parsed = parse_identifier_lines(raw, errors) if not errors else []
    if errors:
        message = next(iter(errors.values()))
    else:
        message = "OK: " + ", ".join(str(p) for p in parsed) if parsed else ""
    return web.json_response({"valid": not errors, "message": message})


# --- list and create --------------------------------------------------------------------------


async def list_page(request: web.Request) -> web.Response:
    errors: Errors = {}
    term = forms.text(request.query, "q", errors, max_length=200)
    status = request.query.get("status", "")
    if status and status not in PARTNER_STATUSES:
        errors["status"] = f"status must be one of {', '.join(PARTNER_STATUSES)}"
        status = ""
    async with database(request).read() as session:
        rows = await search_partners(session, term=term, status=status or None)
    return render(request, "partners.html", status=400 if errors else 200, context={
        "partners": rows, "form": {"q": term, "status": status}, "errors": errors,
        "statuses": PARTNER_STATUSES})


def _new_form(request: web.Request, *, status: int = 200, form: Mapping[str, Any] | None = None,
              errors: Errors | None = None) -> web.Response:
    values = {"name": "", "key_prefix": "", "identifiers": "", "document_types": []}
    return render(request, "partner_new.html", status=status, context={
        "form": values | dict(form or {}), "errors": errors or {},
        "document_types": document_types()})


async def new_page(request: web.Request) -> web.Response:
    return _new_form(request)


def parse_identifier_lines(raw: str, errors: Errors, field: str = "identifiers"
                           ) -> list[ParticipantId]:
    """One identifier per line (``0088:7300010000001``); errors name the line."""
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    if len(lines) > MAX_IDENTIFIERS:
        errors[field] = f"at most {MAX_IDENTIFIERS} identifiers at once"
        return []
    parsed, problems = [], []
    for number, line in enumerate(lines, start=1):
        try:
            parsed.append(parse_participant_id(line[:200]))
        except InputError as exc:
            problems.append(f"line {number}: {exc.message}")
    if problems:
        errors[field] = "; ".join(problems)
    return parsed


def _checked_document_types(form: FormData, errors: Errors) -> list[str]:
    chosen = [value for value in form.getall("document_type", []) if isinstance(value, str)]
    unknown = [value[:64] for value in chosen if value not in REGISTRY.keys]
    if unknown:
        errors["document_type"] = f"unknown document type(s): {', '.join(unknown[:5])}"
    return [value for value in chosen if value in REGISTRY.keys]


async def create(request: web.Request) -> web.Response:
    form = await form_data(request)
    errors: Errors = {}
    name = forms.text(form, "name", errors, required=True, max_length=200)
    prefix = forms.text(form, "key_prefix", errors, required=True, max_length=16,
                        label="key prefix")
    if prefix and "key_prefix" not in errors:
        try:
            check_partner_prefix(prefix)
        except InputError as exc:
            errors["key_prefix"] = exc.message
    raw_ids = forms.text(form, "identifiers", errors, max_length=forms.MAX_TEXTAREA)
    identifiers = parse_identifier_lines(raw_ids, errors)
    chosen = _checked_document_types(form, errors)
    typed = {"name": name, "key_prefix": prefix, "identifiers": raw_ids,
             "document_types": chosen}
    if errors:
        return _new_form(request, status=400, form=typed, errors=errors)
    moment, who = now(request), actor(request)
    try:
        async with database(request).transaction() as session:
            partner = await partners_repo.create_partner(session, name=name, key_prefix=prefix,
                                                         now=moment, actor=who)
            for identifier in identifiers:
                await _add_identifier(session, partner.id, identifier, moment, who)
            if chosen:
                await partners_repo.set_capabilities(session, partner.id, chosen, now=moment,
                                                     actor=who)
    except _FieldError as exc:
        return _new_form(request, status=exc.status, form=typed, errors={exc.field: exc.message})
    except Conflict as exc:
        return _new_form(request, status=409, form=typed, errors={"key_prefix": exc.message})
    return redirect(_partner_url(partner.id, "created"))


class _FieldError(Exception):
    def __init__(self, field: str, message: str, status: int) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


async def _add_identifier(session: Any, partner_id: str, identifier: ParticipantId,
                          moment: Any, who: str) -> None:
    try:
        await partners_repo.add_identifier(session, partner_id, identifier, now=moment,
                                           actor=who)
    except (InputError, Conflict) as exc:
        raise _FieldError("identifiers", f"{identifier}: {exc.message}",
                          exc.http_status) from None


# --- the partner page -------------------------------------------------------------------------


async def _partner_context(request: web.Request, partner_id: str) -> dict[str, Any]:
    moment = now(request)
    async with database(request).read() as session:
        partner = await partners_repo.get_partner(session, partner_id)
        certificates = [(c, expiry_status(c.not_before, c.not_after, moment).value)
                        for c in await credentials.list_certificates(session, partner_id)]
        context: dict[str, Any] = {
            "partner": partner,
            "identifiers": await partners_repo.list_identifiers(session, partner_id),
            "endpoints": await partners_repo.list_endpoints(session, partner_id),
            "capabilities": await partners_repo.capabilities(session, partner_id),
            "api_keys": await credentials.list_api_keys(session, partner_id),
            "certificates": certificates,
        }
    highlighted = request.query.get("certificate")
    context["new_certificate"] = next((c for c, _ in certificates if c.id == highlighted), None)
    return context


async def partner_page(request: web.Request, *, status: int = 200,
                       errors: Errors | None = None,
                       form: Mapping[str, Any] | None = None) -> web.Response:
    partner_id = _route_id(request, "partner_id")
    context = await _partner_context(request, partner_id)
    partner = context["partner"]
    values = {"name": partner.name, "status": partner.status, "identifier": "",
              "transport": "http", "url": "", "priority": "0", "settings": "",
              "purpose": "signing", "pem_text": "", "label": ""}
    notice = NOTICES.get(request.query.get("done", "")) if request.method == "GET" else None
    context.update({
        "form": values | dict(form or {}), "errors": errors or {}, "notice": notice,
        "statuses": PARTNER_STATUSES, "document_types": document_types(),
        "transports": _transport_names(request),
        "purposes": credentials.CERTIFICATE_PURPOSES,
    })
    return render(request, "partner.html", status=status, context=context)


async def detail_page(request: web.Request) -> web.Response:
    return await partner_page(request)


Work = Callable[[Any, str], Awaitable[None]]


async def _write(request: web.Request, field: str, work: Work, done: str,
                 form: Mapping[str, Any]) -> web.Response:
    """Run `work(session, partner_id)`; input errors go back to the page next to `field`."""
    partner_id = _route_id(request, "partner_id")
    try:
        async with database(request).transaction() as session:
            await partners_repo.get_partner(session, partner_id)
            await work(session, partner_id)
    except (InputError, Conflict) as exc:
        return await partner_page(request, status=exc.http_status,
                                  errors={field: exc.message}, form=form)
    return redirect(_partner_url(partner_id, done))


async def _invalid(request: web.Request, errors: Errors,
                   form: Mapping[str, Any]) -> web.Response:
    return await partner_page(request, status=400, errors=errors, form=form)


async def update(request: web.Request) -> web.Response:
    form = await form_data(request)
    errors: Errors = {}
    name = forms.text(form, "name", errors, required=True, max_length=200)
    status = forms.text(form, "status", errors, required=True, max_length=16)
    if status and status not in PARTNER_STATUSES:
        errors["status"] = f"status must be one of {', '.join(PARTNER_STATUSES)}"
    typed = {"name": name, "status": status}
    if errors:
        return await _invalid(request, errors, typed)

    async def work(session: Any, partner_id: str) -> None:
        moment, who = now(request), actor(request)
        await partners_repo.rename_partner(session, partner_id, name, now=moment, actor=who)
        partner = await partners_repo.get_partner(session, partner_id)
        if partner.status != status:
            await partners_repo.set_partner_status(session, partner_id, status, now=moment,
                                                   actor=who)

    return await _write(request, "name", work, "saved", typed)


async def update_capabilities(request: web.Request) -> web.Response:
    form = await form_data(request)
    errors: Errors = {}
    chosen = _checked_document_types(form, errors)
    if errors:
        return await _invalid(request, errors, {})

    async def work(session: Any, partner_id: str) -> None:
        await partners_repo.set_capabilities(session, partner_id, chosen, now=now(request),
                                             actor=actor(request))

    return await _write(request, "document_type", work, "capabilities", {})


async def add_identifier(request: web.Request) -> web.Response:
    form = await form_data(request)
    errors: Errors = {}
    raw = forms.text(form, "identifier", errors, required=True, max_length=200,
                     label="identifier")
    parsed = parse_identifier_lines(raw, errors, "identifier") if raw else []
    if errors or not parsed:
        return await _invalid(request, errors, {"identifier": raw})

    async def work(session: Any, partner_id: str) -> None:
        await partners_repo.add_identifier(session, partner_id, parsed[0], now=now(request),
                                           actor=actor(request))

    return await _write(request, "identifier", work, "identifier-added", {"identifier": raw})


async def remove_identifier(request: web.Request) -> web.Response:
    form = await form_data(request)
    errors: Errors = {}
    raw = forms.text(form, "identifier", errors, required=True, max_length=200)
    if errors:
        return await _invalid(request, {"identifiers": errors["identifier"]}, {})

    async def work(session: Any, partner_id: str) -> None:
        await partners_repo.remove_identifier(session, partner_id, raw, now=now(request),
                                              actor=actor(request))

    return await _write(request, "identifiers", work, "identifier-removed", {})


def _endpoint_settings(raw: str, errors: Errors) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = load_json(raw.encode("utf-8"), max_bytes=forms.MAX_TEXTAREA)
        if not isinstance(value, dict):
            raise InputError("settings must be a JSON object")
        check_endpoint_settings(value)
    except InputError as exc:
        errors["settings"] = exc.message
        return {}
    return value


async def add_endpoint(request: web.Request) -> web.Response:
    form = await form_data(request)
    errors: Errors = {}
    transport = forms.text(form, "transport", errors, required=True, max_length=32)
    if transport and transport not in _transport_names(request):
        errors["transport"] = f"unknown transport {transport!r}"
    url = forms.text(form, "url", errors, max_length=2048, label="URL")
    priority = forms.integer(form, "priority", errors, default=0, minimum=0, maximum=1000)
    raw_settings = forms.text(form, "settings", errors, max_length=forms.MAX_TEXTAREA)
    settings = _endpoint_settings(raw_settings, errors)
    typed = {"transport": transport, "url": url, "priority": str(priority),
             "settings": raw_settings}
    if errors:
        return await _invalid(request, errors, typed)

    async def work(session: Any, partner_id: str) -> None:
        await partners_repo.add_endpoint(session, partner_id, transport=transport,
                                         url=url or None, settings=settings, priority=priority,
                                         now=now(request), actor=actor(request))

    return await _write(request, "url", work, "endpoint-added", typed)


async def toggle_endpoint(request: web.Request) -> web.Response:
    endpoint_id = _route_id(request, "endpoint_id")

    async def work(session: Any, partner_id: str) -> None:
        endpoints = {e.id: e for e in await partners_repo.list_endpoints(session, partner_id)}
        endpoint = endpoints.get(endpoint_id)
        if endpoint is None:
            raise NotFound(f"endpoint {endpoint_id} not found")
        await partners_repo.update_endpoint(session, endpoint_id, enabled=not endpoint.enabled,
                                            now=now(request), actor=actor(request))

    return await _write(request, "endpoints", work, "endpoint-updated", {})


async def _uploaded_pem(form: FormData, errors: Errors) -> str:
    upload = form.get("pem_file")
    if isinstance(upload, FileField) and upload.filename:
        data = upload.file.read(MAX_PEM_BYTES + 1)
        if len(data) > MAX_PEM_BYTES:
            errors["pem"] = f"the certificate file is larger than {MAX_PEM_BYTES} bytes"
            return ""
        try:
            return bytes(data).decode("ascii")
        except UnicodeDecodeError:
            errors["pem"] = "the file is not a PEM certificate (expected ASCII text)"
            return ""
    return forms.text(form, "pem_text", errors, max_length=MAX_PEM_BYTES, label="PEM")


async def upload_certificate(request: web.Request) -> web.Response:
    form = await form_data(request)
    errors: Errors = {}
    purpose = forms.text(form, "purpose", errors, required=True, max_length=32)
    if purpose and purpose not in credentials.CERTIFICATE_PURPOSES:
        errors["purpose"] = f"purpose must be one of {', '.join(credentials.CERTIFICATE_PURPOSES)}"
    pem = await _uploaded_pem(form, errors)
    if not pem and "pem" not in errors:
        errors["pem"] = "choose a PEM file or paste the certificate"
    typed = {"purpose": purpose, "pem_text": pem if "pem_text" in form else ""}
    if errors:
        return await _invalid(request, errors, typed)
    partner_id = _route_id(request, "partner_id")
    try:
        async with database(request).transaction() as session:
            row = await credentials.add_certificate(session, partner_id, pem, purpose=purpose,
                                                    now=now(request), actor=actor(request))
    except (InputError, Conflict) as exc:
        return await partner_page(request, status=exc.http_status, errors={"pem": exc.message},
                                  form=typed)
    return redirect(f"/ui/partners/{partner_id}?certificate={row.id}#certificates")


async def remove_certificate(request: web.Request) -> web.Response:
    certificate_id = _route_id(request, "certificate_id")

    async def work(session: Any, partner_id: str) -> None:
        owned = {c.id for c in await credentials.list_certificates(session, partner_id)}
        if certificate_id not in owned:
            raise NotFound(f"certificate {certificate_id} not found")
        await credentials.remove_certificate(session, certificate_id, now=now(request),
                                             actor=actor(request))

    return await _write(request, "certificates", work, "certificate-removed", {})


async def issue_api_key(request: web.Request) -> web.Response:
    form = await form_data(request)
    errors: Errors = {}
    label = forms.text(form, "label", errors, required=True, max_length=200)
    if errors:
        return await _invalid(request, errors, {"label": label})
    partner_id = _route_id(request, "partner_id")
    try:
        async with database(request).transaction() as session:
            partner = await partners_repo.get_partner(session, partner_id)
            row, key = await credentials.create_api_key(session, partner_id, label=label,
                                                        now=now(request), actor=actor(request))
    except InputError as exc:
        return await partner_page(request, status=exc.http_status, errors={"label": exc.message},
                                  form={"label": label})
    return render(request, "api_key.html", status=201, context={
        "partner": partner, "api_key": row, "key": key})


async def revoke_api_key(request: web.Request) -> web.Response:
    key_id = _route_id(request, "key_id")

    async def work(session: Any, partner_id: str) -> None:
        await credentials.revoke_api_key(session, key_id, partner_id=partner_id,
                                         now=now(request), actor=actor(request))

    return await _write(request, "api_keys", work, "key-revoked", {})


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/identifiers/check", check_identifiers)
    router.add_get("/partners", list_page)
    router.add_get("/partners/new", new_page)
    router.add_post("/partners/new", create)
    router.add_get("/partners/{partner_id}", detail_page)
    router.add_post("/partners/{partner_id}", update)
    router.add_post("/partners/{partner_id}/capabilities", update_capabilities)
    router.add_post("/partners/{partner_id}/identifiers", add_identifier)
    router.add_post("/partners/{partner_id}/identifiers/remove", remove_identifier)
    router.add_post("/partners/{partner_id}/endpoints", add_endpoint)
    router.add_post("/partners/{partner_id}/endpoints/{endpoint_id}/toggle", toggle_endpoint)
    router.add_post("/partners/{partner_id}/certificates", upload_certificate)
    router.add_post("/partners/{partner_id}/certificates/{certificate_id}/remove",
                    remove_certificate)
    router.add_post("/partners/{partner_id}/api-keys", issue_api_key)
    router.add_post("/partners/{partner_id}/api-keys/{key_id}/revoke", revoke_api_key)
