"""Documents and exchanges: filters and search, the document page (rendering, raw XML,
findings, timeline) and replay of a dead letter."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from aiohttp import FormData

from gateway.db.repos.admin_users import SESSION_LIFETIME
from tests.integration.ui.conftest import ADMIN_TOKEN, Ui, csrf_token, text_of

XML = {"Content-Type": "application/xml"}


def invalid_invoice(invoice_xml: bytes) -> bytes:
    """Amount due changed, so BR-CO-16 (amount due = total with VAT - paid) fails."""
    return re.sub(rb'(<cbc:PayableAmount currencyID="EUR">)[^<]*', rb"\g<1>1.00", invoice_xml)


async def receive(ui: Ui, headers: dict[str, str], body: bytes, message_id: str) -> str:
    response = await ui.client.post("/v1/documents", data=body, headers={
        **headers, **XML, "X-Gateway-Message-Id": message_id})
    assert response.status in (201, 422), await response.text()
    answer: dict[str, Any] = await response.json()
    return str(answer.get("document_id") or answer["id"])


async def test_document_page_renders_the_invoice(signed_in: Ui, invoice_xml: bytes) -> None:
    ui = signed_in
    _, headers = await ui.partner_with_key("seller")
    document_id = await receive(ui, headers, invoice_xml, "msg-valid-1")
    response = await ui.client.get(f"/ui/documents/{document_id}")
    assert response.status == 200
    page = await response.text()
    rendition = text_of(page.split('id="rendition"')[1].split("</section>")[0])
    for expected in ("Snippet1", "2017-11-13", "SupplierOfficialName Ltd", "Buyer Official Name",
                     "Main street 1", "GB1232434", "item name", "Description of item", "2800",
                     "Amount due for payment (BT-115)", "1656.25", "331.25"):
        assert expected in rendition, expected
    assert "&lt;cbc:ID&gt;Snippet1&lt;/cbc:ID&gt;" in page  # raw XML, escaped
    timeline = text_of(page.split('class="timeline"')[1].split("</ol>")[0])
    assert "received → accepted" in timeline
    assert "accepted → routed" in timeline
    assert "Replay dead letter" not in page


async def test_findings_show_their_rule_ids(signed_in: Ui, invoice_xml: bytes) -> None:
    ui = signed_in
    _, headers = await ui.partner_with_key("seller")
    document_id = await receive(ui, headers, invalid_invoice(invoice_xml), "msg-invalid-1")
    page = await (await ui.client.get(f"/ui/documents/{document_id}")).text()
    findings = page.split('id="findings"')[1].split("</section>")[0]
    assert "<code>BR-CO-16</code>" in findings
    assert "fatal" in findings
    assert "rejected" in text_of(page)


async def test_list_filters_and_search(signed_in: Ui, invoice_xml: bytes) -> None:
    ui = signed_in
    seller_id, headers = await ui.partner_with_key("seller")
    other_id, other_headers = await ui.partner_with_key("other")
    await receive(ui, headers, invoice_xml, "msg-a")
    await receive(ui, other_headers, invoice_xml.replace(
        b"<cbc:ID>Snippet1</cbc:ID>", b"<cbc:ID>INV-77</cbc:ID>", 1), "msg-b")
    await receive(ui, other_headers, invalid_invoice(invoice_xml), "msg-c")

    async def rows(**params: str) -> str:
        response = await ui.client.get("/ui/documents", params=params)
        assert response.status == 200, await response.text()
        return (await response.text()).split("<tbody>")[1].split("</tbody>")[0]

    everything = await rows()
    assert "msg-a" in everything
    assert "msg-b" in everything
    assert "msg-b" not in await rows(partner=seller_id)
    rejected = await rows(state="rejected")
    assert "msg-c" in rejected
    assert "msg-a" not in rejected
    only_b = await rows(q="INV-77")
    assert "msg-b" in only_b
    assert "msg-a" not in only_b
    assert "msg-a" in await rows(q="msg-a")
    assert "No exchange matches." in await rows(direction="outbound")
    today = datetime.now(UTC).date().isoformat()
    assert "msg-a" in await rows(**{"from": today, "to": today, "type": "invoice"})
    assert "No exchange matches." in await rows(**{"from": "2000-01-01", "to": "2000-01-02"})
    assert "msg-a" not in await rows(partner=other_id)


async def test_bad_filters_are_reported_not_failed(signed_in: Ui) -> None:
    ui = signed_in
    cases = {"from": "2026-13-45", "to": "yesterday", "state": "exploded",
             "direction": "sideways", "type": "<b>telegram</b>", "q": "x" * 5_000}
    response = await ui.client.get("/ui/documents", params=cases)
    assert response.status == 400
    page = await response.text()
    for field in cases:
        assert f'id="{field}-error"' in page, field
    assert "<b>telegram</b>" not in page
    reversed_dates = await ui.client.get("/ui/documents",
                                         params={"from": "2026-02-01", "to": "2026-01-01"})
    assert 'id="to-error"' in await reversed_dates.text()
    for path in ("/ui/documents/not-a-document", "/ui/documents/" + "9" * 3000,
                 "/ui/documents/00000000-0000-7000-8000-000000000000"):
        assert (await ui.client.get(path)).status == 404


async def test_replay_a_dead_letter(signed_in: Ui, invoice_xml: bytes) -> None:
    ui = signed_in
    receiver_id, _ = await ui.partner_with_key("buyer")
    sent = await ui.client.post("/admin/v1/outbound", data=invoice_xml, params={
        "receiver": receiver_id, "document_type": "invoice"},
        headers={**XML, "Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert sent.status == 202, await sent.text()
    body = await sent.json()
    ui.fake.fail_next(retryable=False)
    assert await ui.run_outbox() == 1

    page_path = f"/ui/documents/{body['document_id']}"
    page = await (await ui.client.get(page_path)).text()
    assert "dead_letter" in page
    assert "Replay dead letter" in page
    replay_path = f"/ui/exchanges/{body['exchange_id']}/replay"
    refused = await ui.client.post(replay_path, data={"reason": "x"}, allow_redirects=False)
    assert refused.status == 403
    replayed = await ui.client.post(replay_path, allow_redirects=False, data={
        "csrf_token": csrf_token(page), "reason": "partner fixed their endpoint"})
    assert replayed.status == 303
    after = await (await ui.client.get(replayed.headers["Location"])).text()
    assert "Queued again for delivery." in after
    assert "dead_letter → queued" in text_of(after)
    assert "partner fixed their endpoint" in after
    again = await ui.client.post(replay_path, allow_redirects=False,
                                 data={"csrf_token": csrf_token(after)})
    assert again.status == 409
    missing = await ui.client.post("/ui/exchanges/nope/replay", allow_redirects=False,
                                   data={"csrf_token": csrf_token(after)})
    assert missing.status == 404
    assert await ui.run_outbox() == 1
    assert len(ui.fake.delivered) == 1


def test_sessions_are_bounded() -> None:
    assert SESSION_LIFETIME.total_seconds() <= 12 * 3600


async def test_test_exchange_shows_the_result_and_the_receipt(signed_in: Ui,
                                                              invoice_xml: bytes) -> None:
    ui = signed_in
    partner_id, _ = await ui.partner_with_key("golive")
    base = f"/ui/partners/{partner_id}"
    form = FormData()
    form.add_field("csrf_token", await ui.token(base))
    form.add_field("sample_type", "invoice")
    form.add_field("document_file", invoice_xml, filename="sample.xml",
                   content_type="application/xml")
    sent = await ui.client.post(f"{base}/test-exchange", data=form, allow_redirects=False)
    assert sent.status == 303, await sent.text()
    page = await (await ui.client.get(sent.headers["Location"])).text()
    assert "Test document submitted." in page
    assert "validated → queued" in text_of(page)
    assert await ui.run_outbox() == 1
    delivered = text_of(await (await ui.client.get(sent.headers["Location"])).text())
    assert "sending → delivered" in delivered
    assert "receipt (inbound)" in delivered
    assert len(ui.fake.delivered) == 1

    empty = await ui.post(f"{base}/test-exchange", {"document_text": ""}, token_from=base)
    assert empty.status == 400
    assert 'id="document-error"' in await empty.text()
    hostile = await ui.post(f"{base}/test-exchange", {
        "document_text": '<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>'}, token_from=base)
    assert hostile.status == 303  # stored and rejected, like the same body on the admin API
    hostile_page = await (await ui.client.get(hostile.headers["Location"])).text()
    assert "rejected" in hostile_page
    assert "DTD" in hostile_page
    assert "<!DOCTYPE" not in hostile_page
    rejected = await ui.post(f"{base}/test-exchange",
                             {"document_text": invalid_invoice(invoice_xml).decode()},
                             token_from=base)
    assert rejected.status == 303
    page = await (await ui.client.get(rejected.headers["Location"])).text()
    assert "<code>BR-CO-16</code>" in page
    missing = await ui.post("/ui/partners/nope/test-exchange",
                            {"document_text": invoice_xml.decode()}, token_from=base)
    assert missing.status == 404
