"""Tenant isolation across every partner endpoint: partner A never sees partner B's data.

The test walks the partner API's declared operations, so an endpoint added later is covered
(or fails here until its path parameters are known to the test).
"""

from __future__ import annotations

import re

from gateway.api import PARTNER
from tests.integration.api.conftest import Gateway

XML = {"Content-Type": "application/xml"}
_PARAM = re.compile(r"\{(\w+)\}")


async def _b_owns_things(gateway: Gateway, invoice_xml: bytes, invoice_json: bytes
                         ) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    _, auth_a = await gateway.create_partner("alpha")
    b_id, auth_b = await gateway.create_partner("beta", endpoint=None)
    inbound = await gateway.client.post("/v1/documents", data=invoice_xml,
                                        headers={**auth_b, **XML})
    assert inbound.status == 201
    outbound = await gateway.send_outbound(b_id, invoice_json)
    assert outbound.status == 202
    await gateway.run_outbox()  # B pulls: the document waits in B's inbox
    ids = {"document_id": (await inbound.json())["id"],
           "exchange_id": (await outbound.json())["exchange_id"]}
    return auth_a, auth_b, ids


async def test_every_partner_endpoint_hides_other_partners_data(
    gateway: Gateway, invoice_xml: bytes, invoice_json: bytes
) -> None:
    auth_a, auth_b, ids = await _b_owns_things(gateway, invoice_xml, invoice_json)
    checked = 0
    for operation in PARTNER.operations:
        names = _PARAM.findall(operation.path)
        if not names:
            continue
        unknown = set(names) - set(ids)
        assert not unknown, f"{operation.operation_id}: teach this test {unknown}"
        path = PARTNER.full_path(operation).format(**ids)
        as_a = await gateway.client.request(operation.method, path, headers=auth_a)
        assert as_a.status == 404, f"{operation.method} {path} leaked to another partner"
        assert (await as_a.json())["code"] == "not-found"
        as_b = await gateway.client.request(operation.method, path, headers=auth_b)
        assert as_b.status == 200, f"{operation.method} {path} as its owner: {as_b.status}"
        checked += 1
    assert checked >= 6


async def test_lists_show_only_own_data(
    gateway: Gateway, invoice_xml: bytes, invoice_json: bytes
) -> None:
    auth_a, auth_b, ids = await _b_owns_things(gateway, invoice_xml, invoice_json)
    for path in ("/v1/documents", "/v1/inbox"):
        as_a = await (await gateway.client.get(path, headers=auth_a)).json()
        as_b = await (await gateway.client.get(path, headers=auth_b)).json()
        assert as_a["items"] == [], path
        assert as_b["items"], path
    inbox_b = await (await gateway.client.get("/v1/inbox", headers=auth_b)).json()
    assert [i["exchange_id"] for i in inbox_b["items"]] == [ids["exchange_id"]]
    # a partner filter in the query cannot widen a partner's view
    sneaky = await gateway.client.get("/v1/documents", headers=auth_a,
                                      params={"partner_id": "anything"})
    assert (await sneaky.json())["items"] == []
