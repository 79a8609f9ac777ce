"""The admin API's resources: partners, identifiers, endpoints, certificates, API keys,
capabilities, exchanges (filter, search), documents, the internal inbox, audit verify."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.api.conftest import Gateway
from tests.unit.partners.certs import make_certificate

XML = {"Content-Type": "application/xml"}


async def test_partner_onboarding(gateway: Gateway) -> None:
    client, admin = gateway.client, gateway.admin
    partner_id, _ = await gateway.create_partner("acme", endpoint=None)
    base = f"/admin/v1/partners/{partner_id}"

    identifier = await client.post(f"{base}/identifiers", headers=admin,
                                   json={"identifier": "0088:7300010000001"})
    assert identifier.status == 201, await identifier.text()
    bad = await client.post(f"{base}/identifiers", headers=admin,
                            json={"identifier": "0088:7300010000002"})  # wrong GLN check digit
    assert bad.status == 400
    listed = await (await client.get(f"{base}/identifiers", headers=admin)).json()
    assert [i["identifier"] for i in listed["items"]] == ["0088:7300010000001"]
    removed = await client.delete(f"{base}/identifiers/0088:7300010000001", headers=admin)
    assert removed.status == 204

    endpoint = await client.post(f"{base}/endpoints", headers=admin, json={
        "transport": "http", "url": "https://acme.example/in",
        "settings": {"bearer_token_ref": "env:ACME_TOKEN", "timeout": 20}})
    assert endpoint.status == 201, await endpoint.text()
    endpoint_id = (await endpoint.json())["id"]
    bad_settings = await client.post(f"{base}/endpoints", headers=admin, json={
        "transport": "http", "url": "https://acme.example/in",
        "settings": {"bearer_token": "a secret in the database"}})
    assert bad_settings.status == 400
    assert "bearer_token" in (await bad_settings.json())["detail"]
    patched = await client.patch(f"/admin/v1/endpoints/{endpoint_id}", headers=admin,
                                 json={"enabled": False})
    assert (await patched.json())["enabled"] is False

    now = datetime.now(UTC)
    pem, _ = make_certificate("acme", now - timedelta(days=1), now + timedelta(days=10))
    certificate = await client.post(f"{base}/certificates", headers=admin,
                                    json={"pem": pem.decode(), "purpose": "tls"})
    assert certificate.status == 201, await certificate.text()
    expiring = await (await client.get("/admin/v1/certificates/expiring", headers=admin,
                                       params={"within_days": "30"})).json()
    assert [c["subject"] for c in expiring["items"]] == [(await certificate.json())["subject"]]
    again = await client.post(f"{base}/certificates", headers=admin,
                              json={"pem": pem.decode(), "purpose": "tls"})
    assert again.status == 409

    capabilities = await client.put(f"{base}/capabilities", headers=admin,
                                    json={"document_types": ["invoice", "credit-note"]})
    assert (await capabilities.json())["document_types"] == ["credit-note", "invoice"]
    unknown = await client.put(f"{base}/capabilities", headers=admin,
                               json={"document_types": ["telegram"]})
    assert unknown.status == 415

    keys = await (await client.get(f"{base}/api-keys", headers=admin)).json()
    [key] = keys["items"]
    assert "api_key" not in key  # never shown again
    revoked = await client.delete(f"/admin/v1/api-keys/{key['key_id']}", headers=admin)
    assert (await revoked.json())["revoked_at"] is not None

    suspended = await client.patch(base, headers=admin, json={"status": "suspended"})
    assert (await suspended.json())["status"] == "suspended"
    listed = await (await client.get("/admin/v1/partners", headers=admin,
                                      params={"status": "suspended"})).json()
    assert [p["id"] for p in listed["items"]] == [partner_id]


async def test_missing_things_are_404_and_bad_input_400(gateway: Gateway) -> None:
    client, admin = gateway.client, gateway.admin
    assert (await client.get("/admin/v1/partners/nope", headers=admin)).status == 404
    assert (await client.get("/admin/v1/exchanges/nope", headers=admin)).status == 404
    bad_json = await client.post("/admin/v1/partners", headers={**admin,
                                 "Content-Type": "application/json"}, data=b"{not json")
    assert bad_json.status == 400
    missing_field = await client.post("/admin/v1/partners", headers=admin, json={"name": "x"})
    assert "key_prefix" in (await missing_field.json())["detail"]
    for params in ({"state": "flying"}, {"direction": "sideways"}, {"limit": "0"}):
        response = await client.get("/admin/v1/exchanges", headers=admin, params=params)
        assert response.status == 400, params


async def test_exchange_search_internal_inbox_and_audit(
    gateway: Gateway, invoice_xml: bytes
) -> None:
    client, admin = gateway.client, gateway.admin
    partner_id, auth = await gateway.create_partner("seller")
    received = await client.post("/v1/documents", data=invoice_xml,
                                 headers={**auth, **XML, "X-Gateway-Message-Id": "m-77"})
    document = await received.json()

    found = await (await client.get("/admin/v1/exchanges", headers=admin,
                                    params={"message_id": "m-77"})).json()
    assert [e["id"] for e in found["items"]] == [document["exchange_id"]]
    inbound = await (await client.get("/admin/v1/exchanges", headers=admin, params={
        "direction": "inbound", "partner_id": partner_id, "state": "routed,accepted"})).json()
    assert len(inbound["items"]) == 1
    admin_view = await client.get(f"/admin/v1/documents/{document['id']}/json", headers=admin)
    assert (await admin_view.json())["id"] == "Snippet1"

    inbox = await (await client.get("/admin/v1/inbox", headers=admin)).json()
    assert [i["document_id"] for i in inbox["items"]] == [document["id"]]
    ack = await client.post(inbox["items"][0]["links"]["ack"], headers=admin)
    assert (await ack.json())["state"] == "acknowledged"
    assert (await (await client.get("/admin/v1/inbox", headers=admin)).json())["items"] == []

    verdict = await (await client.get("/admin/v1/audit/verify", headers=admin)).json()
    assert verdict["ok"] is True
    assert verdict["entries"] > 5  # partner, key, endpoint, exchange states...
    truncated = await client.get("/admin/v1/audit/verify", headers=admin, params={
        "expected_head": "0" * 63 + "1", "fail_on_break": "true"})
    assert truncated.status == 409


async def test_pagination_walks_every_page(gateway: Gateway) -> None:
    for n in range(5):
        await gateway.create_partner(f"p{n}", endpoint=None)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2"} | ({"after": cursor} if cursor else {})
        page = await (await gateway.client.get("/admin/v1/partners", headers=gateway.admin,
                                               params=params)).json()
        seen += [p["key_prefix"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["p0", "p1", "p2", "p3", "p4"]


async def test_health(gateway: Gateway) -> None:
    health = await (await gateway.client.get("/health")).json()
    assert health["status"] == "ok"
    assert health["artefacts_version"]
