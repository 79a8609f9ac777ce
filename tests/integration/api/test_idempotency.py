"""Idempotency-Key on API writes: a retry returns the first result, never a second document."""

from __future__ import annotations

from tests.integration.api.conftest import Gateway, invalid_invoice, with_id

XML = {"Content-Type": "application/xml"}


async def test_retry_with_the_same_key_returns_the_first_response(
    gateway: Gateway, invoice_xml: bytes
) -> None:
    _, auth = await gateway.create_partner("acme")
    headers = {**auth, **XML, "Idempotency-Key": "order-42"}
    first = await gateway.client.post("/v1/documents", data=invoice_xml, headers=headers)
    second = await gateway.client.post("/v1/documents", data=invoice_xml, headers=headers)
    assert (first.status, second.status) == (201, 201)
    assert await second.read() == await first.read()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    exchanges = await gateway.client.get("/admin/v1/exchanges", headers=gateway.admin)
    assert len((await exchanges.json())["items"]) == 1  # the retry did not even reach the pipeline


async def test_same_key_with_another_body_is_409(gateway: Gateway, invoice_xml: bytes) -> None:
    _, auth = await gateway.create_partner("acme")
    headers = {**auth, **XML, "Idempotency-Key": "order-42"}
    await gateway.client.post("/v1/documents", data=invoice_xml, headers=headers)
    other = await gateway.client.post("/v1/documents", data=with_id(invoice_xml, "X2"),
                                      headers=headers)
    assert other.status == 409
    assert (await other.json())["code"] == "idempotency-key-reused"


async def test_a_rejection_is_replayed_too(gateway: Gateway, invoice_xml: bytes) -> None:
    _, auth = await gateway.create_partner("acme")
    headers = {**auth, **XML, "Idempotency-Key": "bad-1"}
    body = invalid_invoice(invoice_xml)
    first = await gateway.client.post("/v1/documents", data=body, headers=headers)
    second = await gateway.client.post("/v1/documents", data=body, headers=headers)
    assert (first.status, second.status) == (422, 422)
    assert await second.read() == await first.read()


async def test_keys_are_scoped_per_partner(gateway: Gateway, invoice_xml: bytes) -> None:
    _, auth_a = await gateway.create_partner("alpha")
    _, auth_b = await gateway.create_partner("beta")
    key = {"Idempotency-Key": "shared-key", **XML}
    first = await gateway.client.post("/v1/documents", data=invoice_xml, headers={**auth_a, **key})
    second = await gateway.client.post("/v1/documents", data=invoice_xml,
                                       headers={**auth_b, **key})
    assert (first.status, second.status) == (201, 201)
    assert (await first.json())["id"] != (await second.json())["id"]


async def test_outbound_retry_queues_one_exchange(gateway: Gateway, invoice_json: bytes) -> None:
    partner_id, _ = await gateway.create_partner("buyer")
    retry = {"Idempotency-Key": "erp-invoice-7"}
    first = await gateway.send_outbound(partner_id, invoice_json, headers=retry)
    second = await gateway.send_outbound(partner_id, invoice_json, headers=retry)
    assert (first.status, second.status) == (202, 202)
    assert (await first.json())["exchange_id"] == (await second.json())["exchange_id"]
    assert await gateway.run_outbox() == 1
    assert len(gateway.fake.delivered) == 1


async def test_admin_writes_are_idempotent(gateway: Gateway) -> None:
    retry = {**gateway.admin, "Idempotency-Key": "onboard-acme"}
    body = {"name": "Acme", "key_prefix": "acme"}
    first = await gateway.client.post("/admin/v1/partners", json=body, headers=retry)
    second = await gateway.client.post("/admin/v1/partners", json=body, headers=retry)
    assert (first.status, second.status) == (201, 201)
    assert (await first.json())["id"] == (await second.json())["id"]
    without_key = await gateway.client.post("/admin/v1/partners", json=body,
                                            headers=gateway.admin)
    assert without_key.status == 409  # the prefix is taken: a real second attempt
