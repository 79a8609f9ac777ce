"""Remittance ingestion through the admin API, on SQLite and PostgreSQL: open items, uploads
matched once per checksum, malformed files refused with nothing stored, the review queue."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from gateway.api import keys
from gateway.db.tables.remittance import RemittanceFile, RemittanceLineRow
from tests.integration.api.conftest import Gateway

OPEN_ITEMS = [
    {"number": "INV-2025-0004711", "customer_id": "C1", "customer_name": "Mueller GmbH",
     "currency": "EUR", "amount": "1190.00", "issue_date": "2025-05-01",
     "due_date": "2025-05-31"},
    {"number": "INV-2025-0004712", "customer_id": "C1", "customer_name": "Mueller GmbH",
     "currency": "EUR", "amount": "500.00", "due_date": "2025-05-31"},
    {"number": "INV-2025-0004713", "customer_id": "C2", "customer_name": "Schmidt AG",
     "currency": "EUR", "amount": "300.00", "due_date": "2025-05-31"},
    {"number": "INV-2025-0004714", "customer_id": "C2", "customer_name": "Schmidt AG",
     "currency": "EUR", "amount": 200, "due_date": "2025-05-31"},
]
PAID_IN_FULL = ("1190.00", "Mueller GmbH", "INV-2025-0004711")
PAID_IN_PART = ("450.00", "Mueller GmbH", "INV-2025-0004712")
NOT_RECEIVABLE = ("45.00", "Finanzamt", "Erstattung")
TWO_INVOICES_NO_REFERENCE = ("500.00", "Schmidt AG", "Rechnungen Mai")


def camt054(*transactions: tuple[str, str, str], amount_text: str | None = None,
            iban: str | None = None) -> bytes:
    """A camt.054.001.08 notification: one batch entry with one TxDtls per transaction."""
    account = f"<DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>" if iban else ""
    details = "".join(
        f'<TxDtls><Refs><EndToEndId>E2E-{n}</EndToEndId></Refs><Amt Ccy="EUR">'
        f"{amount_text if amount_text and n == 0 else amount}</Amt>"
        f"<RltdPties><Dbtr><Pty><Nm>{name}</Nm></Pty></Dbtr>{account}</RltdPties>"
        f"<RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls>"
        for n, (amount, name, text) in enumerate(transactions))
    total = sum(Decimal(amount) for amount, _, _ in transactions)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">'
        "<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>M1</MsgId>"
        "<CreDtTm>2025-06-02T08:00:00</CreDtTm></GrpHdr><Ntfctn><Id>N1</Id>"
        "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>"
        f'<Ntry><Amt Ccy="EUR">{total}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2025-06-03</Dt></BookgDt>"
        f"<NtryDtls>{details}</NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


async def load_items(gateway: Gateway) -> dict[str, str]:
    response = await gateway.client.post("/admin/v1/open-items", headers=gateway.admin,
                                         json={"items": OPEN_ITEMS})
    assert response.status == 201, await response.text()
    return {item["number"]: item["id"] for item in (await response.json())["items"]}


async def open_items(gateway: Gateway) -> dict[str, tuple[str, str]]:
    response = await gateway.client.get("/admin/v1/open-items", headers=gateway.admin)
    assert response.status == 200
    return {i["number"]: (i["open_amount"], i["state"]) for i in (await response.json())["items"]}


async def upload(gateway: Gateway, body: bytes, status: int = 201) -> Any:
    response = await gateway.client.post(
        "/admin/v1/remittances", data=body, params={"filename": "notification.xml"},
        headers={**gateway.admin, "Content-Type": "application/octet-stream"})
    assert response.status == status, await response.text()
    return await response.json()


async def count(gateway: Gateway, table: type) -> int:
    async with gateway.app[keys.DATABASE].read() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_upload_applies_confident_matches_once(gateway: Gateway) -> None:
    await load_items(gateway)
    body = camt054(PAID_IN_FULL, PAID_IN_PART, NOT_RECEIVABLE)
    first = await upload(gateway, body)
    assert first["format"] == "camt.054.001.08"
    assert [line["state"] for line in first["lines"]] == ["auto_applied", "auto_applied",
                                                           "unmatched"]
    assert first["summary"] == {"auto_applied": 2, "unmatched": 1}
    assert first["lines"][0]["allocations"][0]["number"] == "INV-2025-0004711"
    assert "not_receivable" in first["lines"][2]["flags"]
    after_first = await open_items(gateway)
    assert after_first["INV-2025-0004711"] == ("0.00", "paid")
    assert after_first["INV-2025-0004712"] == ("50.00", "partially_paid")

    again = await upload(gateway, body, status=200)
    assert again == first
    assert await open_items(gateway) == after_first
    assert await count(gateway, RemittanceFile) == 1
    assert await count(gateway, RemittanceLineRow) == 3
    response = await gateway.client.get(f"/admin/v1/remittances/{first['id']}",
                                        headers=gateway.admin)
    assert response.status == 200
    assert (await response.json())["lines"] == first["lines"]


async def test_malformed_file_is_refused_and_nothing_stored(gateway: Gateway) -> None:
    await load_items(gateway)
    before = await open_items(gateway)
    response = await gateway.client.post(
        "/admin/v1/remittances", data=camt054(PAID_IN_FULL, amount_text="1190,0O"),
        headers=gateway.admin)
    assert response.status == 400
    assert response.content_type == "application/problem+json"
    assert "TxDtls" in (await response.json())["detail"]
    assert await count(gateway, RemittanceFile) == 0
    assert await count(gateway, RemittanceLineRow) == 0
    assert await open_items(gateway) == before


async def test_open_items_refuse_floats_and_duplicates(gateway: Gateway) -> None:
    response = await gateway.client.post(
        "/admin/v1/open-items", headers=gateway.admin,
        data=b'{"items": [{"number": "X1", "customer_id": "C1", "currency": "EUR", '
             b'"amount": 10.5}]}')
    assert response.status == 400
    assert "items[0].amount" in (await response.json())["detail"]
    await load_items(gateway)
    response = await gateway.client.post("/admin/v1/open-items", headers=gateway.admin,
                                         json={"items": OPEN_ITEMS[:1]})
    assert response.status == 409


async def review_line(gateway: Gateway, iban: str | None = None) -> dict[str, Any]:
    await load_items(gateway)
    await upload(gateway, camt054(TWO_INVOICES_NO_REFERENCE, iban=iban))
    response = await gateway.client.get("/admin/v1/review-queue", headers=gateway.admin)
    assert response.status == 200
    queue = (await response.json())["items"]
    assert len(queue) == 1
    return dict(queue[0])


async def test_review_queue_shows_evidence_and_confirm_books_the_proposal(
        gateway: Gateway) -> None:
    line = await review_line(gateway)
    assert line["decision"] == "review"
    assert {a["number"] for a in line["match"]["allocations"]} == {"INV-2025-0004713",
                                                                   "INV-2025-0004714"}
    assert line["match"]["reasons"]
    response = await gateway.client.post(f"/admin/v1/review-queue/{line['id']}/confirm",
                                         headers=gateway.admin)
    assert response.status == 200, await response.text()
    assert (await response.json())["state"] == "confirmed"
    items = await open_items(gateway)
    assert items["INV-2025-0004713"] == ("0.00", "paid")
    assert items["INV-2025-0004714"] == ("0.00", "paid")
    response = await gateway.client.post(f"/admin/v1/review-queue/{line['id']}/confirm",
                                         headers=gateway.admin)
    assert response.status == 409
    queue = await gateway.client.get("/admin/v1/review-queue", headers=gateway.admin)
    assert (await queue.json())["items"] == []


async def test_confirm_with_chosen_allocation_leaves_the_rest_open(gateway: Gateway) -> None:
    line = await review_line(gateway)
    ids = {n: i for n, i in ((a["number"], a["open_item_id"])
                             for a in line["match"]["allocations"])}
    response = await gateway.client.post(
        f"/admin/v1/review-queue/{line['id']}/confirm", headers=gateway.admin,
        json={"allocations": [{"open_item_id": ids["INV-2025-0004713"], "amount": "250.00"}]})
    assert response.status == 200, await response.text()
    items = await open_items(gateway)
    assert items["INV-2025-0004713"] == ("50.00", "partially_paid")
    assert items["INV-2025-0004714"] == ("200.00", "open")


async def test_split_must_add_up_to_the_payment(gateway: Gateway) -> None:
    line = await review_line(gateway)
    numbers = await load_ids(gateway)
    url = f"/admin/v1/review-queue/{line['id']}/split"
    short = {"allocations": [
        {"open_item_id": numbers["INV-2025-0004713"], "amount": "300.00"},
        {"open_item_id": numbers["INV-2025-0004712"], "amount": "150.00"}]}
    response = await gateway.client.post(url, headers=gateway.admin, json=short)
    assert response.status == 400
    assert "add up to 450.00" in (await response.json())["detail"]
    assert (await open_items(gateway))["INV-2025-0004713"] == ("300.00", "open")
    full = {"allocations": [
        {"open_item_id": numbers["INV-2025-0004713"], "amount": "300.00"},
        {"open_item_id": numbers["INV-2025-0004712"], "amount": "200.00"}]}
    response = await gateway.client.post(url, headers=gateway.admin, json=full)
    assert response.status == 200, await response.text()
    booked = (await response.json())["allocations"]
    assert {(b["number"], b["amount"]) for b in booked} == {("INV-2025-0004713", "300.00"),
                                                            ("INV-2025-0004712", "200.00")}
    items = await open_items(gateway)
    assert items["INV-2025-0004712"] == ("300.00", "partially_paid")
    assert items["INV-2025-0004714"] == ("200.00", "open")


async def load_ids(gateway: Gateway) -> dict[str, str]:
    response = await gateway.client.get("/admin/v1/open-items", headers=gateway.admin)
    return {i["number"]: i["id"] for i in (await response.json())["items"]}


async def test_reject_books_nothing(gateway: Gateway) -> None:
    line = await review_line(gateway)
    before = await open_items(gateway)
    url = f"/admin/v1/review-queue/{line['id']}/reject"
    response = await gateway.client.post(url, headers=gateway.admin,
                                         json={"reason": "a loan repayment"})
    assert response.status == 200
    assert (await response.json())["state"] == "rejected"
    assert await open_items(gateway) == before
    assert (await gateway.client.post(url, headers=gateway.admin)).status == 409
    missing = await gateway.client.post("/admin/v1/review-queue/nope/reject",
                                        headers=gateway.admin)
    assert missing.status == 404


async def test_a_confirmed_payer_account_identifies_the_next_payment(gateway: Gateway) -> None:
    iban = "DE02120300000000202051"
    line = await review_line(gateway, iban=iban)
    ids = await load_ids(gateway)
    response = await gateway.client.post(
        f"/admin/v1/review-queue/{line['id']}/confirm", headers=gateway.admin,
        json={"allocations": [{"open_item_id": ids["INV-2025-0004713"], "amount": "250.00"}]})
    assert response.status == 200, await response.text()
    # Another name, no reference: only the learned account says who pays.
    later = await upload(gateway, camt054(("200.00", "Zahlungsverkehr Holding", "Zahlung"),
                                          iban=iban))
    (paid,) = later["lines"]
    assert paid["state"] == "auto_applied", paid
    assert "payer_account" in {r["code"] for r in paid["reasons"]}
    assert (await open_items(gateway))["INV-2025-0004714"] == ("0.00", "paid")


async def test_an_unknown_payer_without_reference_is_not_applied(gateway: Gateway) -> None:
    await load_items(gateway)
    result = await upload(gateway, camt054(("200.00", "Zahlungsverkehr Holding", "Zahlung"),
                                           iban="DE02120300000000202051"))
    assert result["lines"][0]["state"] == "unmatched"
    assert (await open_items(gateway))["INV-2025-0004714"] == ("200.00", "open")


async def test_concurrent_uploads_of_one_file_import_it_once(gateway: Gateway) -> None:
    await load_items(gateway)
    body = camt054(PAID_IN_FULL, PAID_IN_PART)
    results = await asyncio.gather(*(gateway.client.post(
        "/admin/v1/remittances", data=body, headers=gateway.admin) for _ in range(3)))
    assert sorted(r.status for r in results) == [200, 200, 201]
    assert len({(await r.json())["id"] for r in results}) == 1
    assert await count(gateway, RemittanceFile) == 1
    items = await open_items(gateway)
    assert items["INV-2025-0004711"] == ("0.00", "paid")
    assert items["INV-2025-0004712"] == ("50.00", "partially_paid")


async def test_a_payment_repeated_in_a_later_file_goes_to_review(gateway: Gateway) -> None:
    await load_items(gateway)
    first = await upload(gateway, camt054(PAID_IN_FULL))
    later = await upload(gateway, camt054(PAID_IN_FULL, NOT_RECEIVABLE))
    repeated = later["lines"][0]
    assert repeated["state"] == "in_review"
    assert repeated["flags"] == ["duplicate"]
    assert repeated["duplicate_of"] == first["lines"][0]["id"]
    assert later["lines"][1]["state"] == "unmatched"
    assert (await open_items(gateway))["INV-2025-0004711"] == ("0.00", "paid")
