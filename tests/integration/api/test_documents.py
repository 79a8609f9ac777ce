"""POST /v1/documents: the inbound pipeline through the partner API, on both databases."""

from __future__ import annotations

import pytest

from tests.integration.api.conftest import (
    MAX_DOCUMENT_BYTES,
    Gateway,
    invalid_invoice,
    with_id,
)

XML = {"Content-Type": "application/xml"}
PROBLEM = "application/problem+json"


async def submit(gateway: Gateway, auth: dict[str, str], body: bytes,
                 headers: dict[str, str] | None = None, **params: str):
    return await gateway.client.post("/v1/documents", data=body, params=params,
                                     headers={**auth, **XML, **(headers or {})})


async def test_valid_invoice_is_accepted_routed_and_readable(
    gateway: Gateway, invoice_xml: bytes
) -> None:
    _, auth = await gateway.create_partner("acme")
    response = await submit(gateway, auth, invoice_xml)
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["document_type"] == "invoice"
    assert body["state"] == "routed"
    assert body["valid"] is True
    assert body["duplicate"] is False
    assert response.headers["Location"] == f"/v1/documents/{body['id']}"

    xml = await gateway.client.get(body["links"]["xml"], headers=auth)
    assert xml.status == 200
    assert await xml.read() == invoice_xml  # byte-exact
    as_json = await (await gateway.client.get(body["links"]["json"], headers=auth)).json()
    assert as_json["id"] == "Snippet1"
    assert as_json["totals"]["payable_amount"] == "1656.25"
    events = await (await gateway.client.get(body["links"]["events"], headers=auth)).json()
    assert [e["to_state"] for e in events["events"]] == ["received", "accepted", "routed"]


async def test_json_invoice_is_accepted(gateway: Gateway, invoice_json: bytes) -> None:
    _, auth = await gateway.create_partner("acme")
    response = await gateway.client.post(
        "/v1/documents", data=invoice_json, params={"document_type": "invoice"},
        headers={**auth, "Content-Type": "application/json"})
    assert response.status == 201, await response.text()
    body = await response.json()
    xml = await gateway.client.get(body["links"]["xml"], headers=auth)
    assert xml.status == 200
    assert b"<cbc:ID>Snippet1</cbc:ID>" in await xml.read()


async def test_invalid_invoice_is_stored_and_answered_422_with_findings(
    gateway: Gateway, invoice_xml: bytes
) -> None:
    _, auth = await gateway.create_partner("acme")
    response = await submit(gateway, auth, invalid_invoice(invoice_xml))
    assert response.status == 422
    assert response.content_type == PROBLEM
    problem = await response.json()
    assert problem["code"] == "validation-failed"
    assert "BR-CO-16" in {f["rule_id"] for f in problem["findings"]}
    assert all(f["severity"] in {"fatal", "warning", "info"} for f in problem["findings"])
    # stored, rejected, and its findings readable
    stored = await gateway.client.get(f"/v1/documents/{problem['document_id']}", headers=auth)
    assert (await stored.json())["state"] == "rejected"
    findings = await gateway.client.get(f"/v1/documents/{problem['document_id']}/findings",
                                        headers=auth)
    assert (await findings.json())["valid"] is False


async def test_invalid_json_names_the_field(gateway: Gateway, invoice_json: bytes) -> None:
    _, auth = await gateway.create_partner("acme")
    body = invoice_json.replace(b'"1656.25"', b"1656.25", 1)  # a JSON float for money
    response = await gateway.client.post(
        "/v1/documents", data=body, params={"document_type": "invoice"},
        headers={**auth, "Content-Type": "application/json"})
    assert response.status == 422
    problem = await response.json()
    pointers = {f["json_pointer"] for f in problem["findings"]}
    assert any(p and p.startswith("/totals") for p in pointers), problem


async def test_hostile_xml_is_refused_400_and_stored_as_rejected(gateway: Gateway) -> None:
    _, auth = await gateway.create_partner("acme")
    hostile = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
               b'<!ENTITY b "&a;&a;&a;&a;">]><Invoice>&b;</Invoice>')
    response = await submit(gateway, auth, hostile)
    assert response.status == 400
    problem = await response.json()
    assert problem["code"] == "hostile-input"
    assert problem["findings"][0]["rule_id"] == "GW-HOSTILE-INPUT"
    events = await gateway.client.get(f"/v1/documents/{problem['document_id']}/events",
                                      headers=auth)
    assert (await events.json())["state"] == "rejected"


async def test_malformed_xml_is_400(gateway: Gateway) -> None:
    _, auth = await gateway.create_partner("acme")
    response = await submit(gateway, auth, b"<Invoice><unclosed></Invoice>")
    assert response.status == 400
    assert (await response.json())["code"] == "unreadable-input"


async def test_too_large_is_413_before_anything_is_stored(gateway: Gateway) -> None:
    _, auth = await gateway.create_partner("acme")
    response = await submit(gateway, auth, b"<a>" + b"x" * MAX_DOCUMENT_BYTES + b"</a>")
    assert response.status == 413
    assert response.content_type == PROBLEM
    listing = await (await gateway.client.get("/v1/documents", headers=auth)).json()
    assert listing["items"] == []


async def test_unsupported_media_type_is_415(gateway: Gateway, invoice_xml: bytes) -> None:
    _, auth = await gateway.create_partner("acme")
    response = await submit(gateway, auth, invoice_xml, headers={"Content-Type": "text/plain"})
    assert response.status == 415
    assert (await response.json())["code"] == "unsupported-media-type"


async def test_unknown_document_type_is_415(gateway: Gateway, invoice_xml: bytes) -> None:
    _, auth = await gateway.create_partner("acme")
    unknown = invoice_xml.replace(b"poacc:billing:3.0</cbc:CustomizationID>",
                                  b"poacc:other:9</cbc:CustomizationID>")
    response = await submit(gateway, auth, unknown)
    assert response.status == 415
    assert (await response.json())["code"] == "unsupported-document"


async def test_duplicate_is_not_stored_twice(gateway: Gateway, invoice_xml: bytes) -> None:
    _, auth = await gateway.create_partner("acme")
    message = {"X-Gateway-Message-Id": "msg-1"}
    first = await submit(gateway, auth, invoice_xml, headers=message)
    second = await submit(gateway, auth, invoice_xml, headers=message)
    assert (first.status, second.status) == (201, 200)
    first_body, second_body = await first.json(), await second.json()
    assert second_body["duplicate"] is True
    assert second_body["id"] == first_body["id"]
    # different bytes under the same message id: a different document
    third = await submit(gateway, auth, with_id(invoice_xml, "Other"), headers=message)
    assert third.status == 201
    listing = await (await gateway.client.get("/v1/documents", headers=auth)).json()
    assert len(listing["items"]) == 2
    dup_exchanges = await gateway.client.get(
        "/admin/v1/exchanges", params={"state": "duplicate"}, headers=gateway.admin)
    assert len((await dup_exchanges.json())["items"]) == 1


async def test_document_types_of_the_request_are_checked(
    gateway: Gateway, invoice_xml: bytes
) -> None:
    _, auth = await gateway.create_partner("acme")
    response = await submit(gateway, auth, invoice_xml, document_type="order")
    assert response.status == 415
    assert (await response.json())["code"] == "document-type-mismatch"
    response = await submit(gateway, auth, invoice_xml, document_type="no-such-type")
    assert response.status == 415


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Bearer gw_acme_" + "x" * 52])
async def test_partner_api_requires_a_valid_key(
    gateway: Gateway, invoice_xml: bytes, header: str | None
) -> None:
    await gateway.create_partner("acme")
    headers = {"Authorization": header} if header else {}
    response = await submit(gateway, headers, invoice_xml)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_revoked_key_and_suspended_partner_are_refused(
    gateway: Gateway, invoice_xml: bytes
) -> None:
    partner_id, auth = await gateway.create_partner("acme")
    await gateway.client.patch(f"/admin/v1/partners/{partner_id}", json={"status": "suspended"},
                               headers=gateway.admin)
    assert (await submit(gateway, auth, invoice_xml)).status == 401
