"""Partner pages: onboarding with identifier checks, edit, endpoints, capabilities,
certificate upload, API keys shown once and revoked; escaping of what partners typed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from aiohttp import FormData

from tests.integration.ui.conftest import Ui, UiFactory, csrf_token, text_of
from tests.unit.partners.certs import make_certificate


def error_next_to(page: str, field: str) -> str:
    found = re.search(rf'<span class="error" id="{field}-error">([^<]*)</span>', page)
    assert found, f"no error shown next to {field}"
    return found.group(1)


async def onboard(ui: Ui, **fields: str) -> str:
    data = {"name": "ACME Trading", "key_prefix": "acme", "identifiers": "0088:7300010000001",
            "document_type": "invoice"} | fields
    response = await ui.post("/ui/partners/new", data, token_from="/ui/partners/new")
    assert response.status == 303, await response.text()
    return str(response.headers["Location"]).split("?")[0].rsplit("/", 1)[1]


async def test_onboarding_reports_bad_fields_next_to_them(signed_in: Ui) -> None:
    ui = signed_in
    response = await ui.post("/ui/partners/new", {
        "name": "", "key_prefix": "Not Valid!", "identifiers": "0088:7300010000001\n"
        "0088:7300010000002\n9999:abc", "document_type": ["invoice", "telegram"],
    }, token_from="/ui/partners/new")
    assert response.status == 400
    page = await response.text()
    assert error_next_to(page, "name") == "name is required"
    assert "2-16 characters" in error_next_to(page, "key_prefix")
    identifiers = error_next_to(page, "identifiers")
    assert "line 2" in identifiers
    assert "line 3" in identifiers
    assert "line 1" not in identifiers
    assert "telegram" in error_next_to(page, "document_type")
    assert "0088:7300010000002" in page  # what was typed is kept
    listed = await ui.client.get("/ui/partners")
    assert "No partner matches." in await listed.text()


async def test_onboarding_flow(signed_in: Ui) -> None:
    ui = signed_in
    partner_id = await onboard(ui)
    page = await (await ui.client.get(f"/ui/partners/{partner_id}?done=created")).text()
    assert "Partner created." in page
    assert "0088:7300010000001" in page
    assert re.search(r'value="invoice" checked', page)

    taken = await ui.post("/ui/partners/new", {"name": "Other", "key_prefix": "acme"},
                          token_from="/ui/partners/new")
    assert taken.status == 409
    assert "already used" in error_next_to(await taken.text(), "key_prefix")

    base = f"/ui/partners/{partner_id}"
    bad_id = await ui.post(f"{base}/identifiers", {"identifier": "0088:123"})
    assert bad_id.status == 400
    assert error_next_to(await bad_id.text(), "identifier")
    added = await ui.post(f"{base}/identifiers", {"identifier": "0192:987654325"})
    assert added.status == 303
    removed = await ui.post(f"{base}/identifiers/remove", {"identifier": "0088:7300010000001"})
    assert removed.status == 303

    bad_endpoint = await ui.post(f"{base}/endpoints", {
        "transport": "http", "url": "ftp://acme.example", "priority": "x",
        "settings": '{"bearer_token": "secret"}'})
    assert bad_endpoint.status == 400
    page = await bad_endpoint.text()
    assert "whole number" in error_next_to(page, "priority")
    assert "bearer_token" in error_next_to(page, "settings")
    endpoint = await ui.post(f"{base}/endpoints", {
        "transport": "http", "url": "https://acme.example/in", "priority": "1",
        "settings": '{"bearer_token_ref": "env:ACME_TOKEN"}'})
    assert endpoint.status == 303, await endpoint.text()
    bad_url = await ui.post(f"{base}/endpoints", {"transport": "http", "url": "ftp://x"})
    assert "absolute http(s) URL" in error_next_to(await bad_url.text(), "url")

    caps = await ui.post(f"{base}/capabilities", {"document_type": ["invoice", "order"]})
    assert caps.status == 303
    edited = await ui.post(base, {"name": "ACME Trading Ltd", "status": "suspended"})
    assert edited.status == 303
    raw_page = await (await ui.client.get(base)).text()
    assert "<code>0192:987654325</code>" in raw_page
    assert "<code>0088:7300010000001</code>" not in raw_page
    page = text_of(raw_page)
    assert "ACME Trading Ltd" in page
    assert "suspended" in page
    assert "https://acme.example/in" in page

    found = await ui.client.get("/ui/partners", params={"q": "987654325"})
    assert "ACME Trading Ltd" in await found.text()
    none = await ui.client.get("/ui/partners", params={"q": "%_"})
    assert "No partner matches." in await none.text()


async def test_api_key_is_shown_once_and_can_be_revoked(signed_in: Ui) -> None:
    ui = signed_in
    partner_id = await onboard(ui, identifiers="")
    base = f"/ui/partners/{partner_id}"
    issued = await ui.post(f"{base}/api-keys", {"label": "ERP"})
    assert issued.status == 201
    page = await issued.text()
    key = re.search(r'id="api-key">(gw_acme_[A-Za-z0-9]+)<', page)
    assert key, page
    headers = {"Authorization": f"Bearer {key.group(1)}"}
    assert (await ui.client.get("/v1/documents", headers=headers)).status == 200

    partner_page = await (await ui.client.get(base)).text()
    assert key.group(1) not in partner_page  # never shown again
    key_id = re.search(r"/api-keys/([A-Za-z0-9]+)/revoke", partner_page)
    assert key_id
    revoked = await ui.post(f"{base}/api-keys/{key_id.group(1)}/revoke", {})
    assert revoked.status == 303
    assert (await ui.client.get("/v1/documents", headers=headers)).status == 401
    unknown = await ui.post(f"{base}/api-keys/doesnotexist/revoke", {})
    assert unknown.status == 404


async def test_certificate_upload_shows_the_parsed_certificate(signed_in: Ui) -> None:
    ui = signed_in
    partner_id = await onboard(ui, identifiers="")
    base = f"/ui/partners/{partner_id}"
    now = datetime.now(UTC)
    pem, _ = make_certificate("as4.acme.example", now - timedelta(days=1),
                              now + timedelta(days=90))
    form = FormData()
    form.add_field("csrf_token", await ui.token(base))
    form.add_field("purpose", "as4")
    form.add_field("pem_file", pem, filename="acme.pem", content_type="application/x-pem-file")
    uploaded = await ui.client.post(f"{base}/certificates", data=form, allow_redirects=False)
    assert uploaded.status == 303, await uploaded.text()
    page = await (await ui.client.get(uploaded.headers["Location"])).text()
    shown = text_of(page.split('id="certificate-uploaded"')[1].split("</div>")[0])
    assert "CN=as4.acme.example" in shown
    assert "Issuer" in shown
    assert (now + timedelta(days=90)).strftime("%Y-%m-%d") in shown

    again = await ui.post(f"{base}/certificates", {"purpose": "as4", "pem_text": pem.decode()},
                          token_from=base)
    assert again.status == 409
    assert "already" in error_next_to(await again.text(), "pem")
    garbage = await ui.post(f"{base}/certificates", {"purpose": "tls", "pem_text": "hello"},
                            token_from=base)
    assert garbage.status == 400
    assert error_next_to(await garbage.text(), "pem")
    empty = await ui.post(f"{base}/certificates", {"purpose": "nope"}, token_from=base)
    page = await empty.text()
    assert error_next_to(page, "purpose")
    assert error_next_to(page, "pem")


async def test_what_partners_type_is_escaped(signed_in: Ui) -> None:
    ui = signed_in
    hostile = '<script>alert("x")</script>'
    partner_id = await onboard(ui, name=hostile, identifiers="")
    for path in ("/ui/partners", f"/ui/partners/{partner_id}"):
        page = await (await ui.client.get(path)).text()
        assert "<script>" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


async def test_bad_and_huge_input_never_fails_with_500(signed_in: Ui) -> None:
    ui = signed_in
    huge = "x" * 100_000
    token = csrf_token(await (await ui.client.get("/ui/partners/new")).text())
    cases = [
        ("GET", "/ui/partners/does-not-exist", None, 404),
        ("GET", f"/ui/partners/{huge[:5000]}", None, 404),
        ("GET", f"/ui/partners?q={huge[:6000]}&status=zzz", None, 400),
        ("POST", "/ui/partners/new", {"name": huge, "key_prefix": huge, "identifiers": huge}, 400),
        ("POST", "/ui/partners/nope", {"name": "n", "status": "active"}, 404),
        ("POST", "/ui/partners/nope/endpoints/x/toggle", {}, 404),
        ("POST", "/ui/partners/nope/certificates/x/remove", {}, 404),
        ("POST", "/ui/partners/nope/api-keys", {"label": "l"}, 404),
        ("POST", "/ui/partners/nope/identifiers", {"identifier": "0088:7300010000001"}, 404),
    ]
    for method, path, data, expected in cases:
        if data is not None:
            data = {"csrf_token": token, **data}
        response = await ui.client.request(method, path, data=data, allow_redirects=False)
        assert response.status == expected, (path[:80], response.status)
        assert "text/html" in response.content_type


async def test_identifiers_are_checked_as_typed(ui: Ui) -> None:
    refused = await ui.client.get("/ui/identifiers/check", params={"value": "0088:1"},
                                  allow_redirects=False)
    assert refused.status == 303  # signed-in operators only
    await ui.sign_in()
    good = await (await ui.client.get("/ui/identifiers/check",
                                      params={"value": "0088:7300010000001"})).json()
    assert good == {"valid": True, "message": "OK: 0088:7300010000001"}
    bad = await (await ui.client.get("/ui/identifiers/check", params={
        "value": "0192:987654325\n0088:7300010000002"})).json()
    assert bad["valid"] is False
    assert bad["message"].startswith("line 2:")
    huge = await ui.client.get("/ui/identifiers/check", params={"value": "9" * 5000})
    assert (await huge.json())["valid"] is False
    script = await ui.client.get("/ui/static/identifiers.js")
    assert script.status == 200
    assert script.content_type == "text/javascript"
    assert (await ui.client.get("/ui/static/../app.py")).status == 404
    assert (await ui.client.get("/ui/static/other.js")).status == 404


async def test_over_sized_forms_get_a_413_page(make_ui: UiFactory) -> None:
    ui = await make_ui(max_document_bytes=64 * 1024)
    await ui.sign_in()
    token = await ui.token("/ui/partners/new")
    response = await ui.client.post("/ui/partners/new", allow_redirects=False, data={
        "csrf_token": token, "name": "n", "key_prefix": "big", "identifiers": "x" * 200_000})
    assert response.status == 413
    assert "text/html" in response.content_type
