"""Outbound: JSON → render → validate → persist → outbox → worker → transport → receipt."""

from __future__ import annotations

import asyncio

from tests.integration.api.conftest import Gateway, GatewayFactory, invalid_invoice


async def exchange(gateway: Gateway, exchange_id: str) -> dict:
    response = await gateway.client.get(f"/admin/v1/exchanges/{exchange_id}",
                                        headers=gateway.admin)
    assert response.status == 200
    return await response.json()


async def test_json_invoice_is_queued_then_delivered_with_receipt(
    gateway: Gateway, invoice_json: bytes
) -> None:
    partner_id, _auth = await gateway.create_partner("buyer")
    response = await gateway.send_outbound(partner_id, invoice_json)
    assert response.status == 202, await response.text()
    accepted = await response.json()
    assert accepted["state"] == "queued"
    assert (await exchange(gateway, accepted["exchange_id"]))["state"] == "queued"

    assert await gateway.run_outbox() == 1
    done = await exchange(gateway, accepted["exchange_id"])
    assert done["state"] == "delivered"
    assert [e["to_state"] for e in done["events"]] == [
        "created", "validated", "queued", "sending", "delivered"]
    receipt = done["acknowledgements"][0]
    assert receipt["kind"] == "receipt"
    assert receipt["status"] == "delivered"
    assert receipt["detail"]["remote_message_id"] == "fake-1"
    assert receipt["document_id"] is not None  # the receipt's bytes are stored

    sent = gateway.fake.delivered[0]
    assert sent.message_id == accepted["message_id"]
    assert sent.content_type == "application/xml"
    assert b"<cbc:ID>Snippet1</cbc:ID>" in sent.payload
    # the rendered UBL and the submitted JSON are both stored
    xml = await gateway.client.get(f"/admin/v1/documents/{accepted['document_id']}/xml",
                                   headers=gateway.admin)
    assert await xml.read() == sent.payload
    assert accepted["source_document_id"] != accepted["document_id"]
    # nothing left to send, nothing sent twice
    assert await gateway.run_outbox() == 0
    assert gateway.fake.deliveries_for(accepted["message_id"]) == 1


async def test_invalid_outbound_is_rejected_422_and_never_queued(
    gateway: Gateway, invoice_xml: bytes
) -> None:
    partner_id, _ = await gateway.create_partner("buyer")
    response = await gateway.send_outbound(partner_id, invalid_invoice(invoice_xml),
                                           content_type="application/xml")
    assert response.status == 422
    problem = await response.json()
    assert "BR-CO-16" in {f["rule_id"] for f in problem["findings"]}
    assert (await exchange(gateway, problem["exchange_id"]))["state"] == "rejected"
    assert await gateway.run_outbox() == 0


async def test_capabilities_limit_what_a_partner_receives(
    gateway: Gateway, invoice_json: bytes
) -> None:
    partner_id, _ = await gateway.create_partner("buyer")
    response = await gateway.client.put(f"/admin/v1/partners/{partner_id}/capabilities",
                                        json={"document_types": ["order"]},
                                        headers=gateway.admin)
    assert response.status == 200
    response = await gateway.send_outbound(partner_id, invoice_json)
    assert response.status == 422
    rules = {f["rule_id"] for f in (await response.json())["findings"]}
    assert "GW-PARTNER-CAPABILITY" in rules


async def test_unknown_receiver_is_404(gateway: Gateway, invoice_json: bytes) -> None:
    response = await gateway.send_outbound("no-such-partner", invoice_json)
    assert response.status == 404


async def test_retries_keep_the_message_id_then_dead_letter_then_replay(
    gateway: Gateway, invoice_json: bytes
) -> None:
    partner_id, _ = await gateway.create_partner("buyer")
    accepted = await (await gateway.send_outbound(partner_id, invoice_json)).json()
    gateway.fake.fail_next(3)  # FAST_RETRIES allows 3 attempts
    await gateway.run_outbox(rounds=4)
    dead = await exchange(gateway, accepted["exchange_id"])
    assert dead["state"] == "dead_letter"
    assert dead["attempts"] == 3
    assert "remote-unavailable" in dead["last_error"]
    states = [e["to_state"] for e in dead["events"]]
    assert states.count("retry_wait") == 2
    assert states[-1] == "dead_letter"
    attempts = [a.envelope.message_id for a in gateway.fake.attempts]
    assert attempts == [accepted["message_id"]] * 3  # same message id on every attempt

    listed = await gateway.client.get("/admin/v1/exchanges", headers=gateway.admin,
                                      params={"state": "dead_letter"})
    assert [e["id"] for e in (await listed.json())["items"]] == [accepted["exchange_id"]]
    replay = await gateway.client.post(f"/admin/v1/exchanges/{accepted['exchange_id']}/replay",
                                       json={"reason": "partner fixed"}, headers=gateway.admin)
    assert replay.status == 200
    assert (await replay.json())["state"] == "queued"
    await gateway.run_outbox()
    delivered = await exchange(gateway, accepted["exchange_id"])
    assert delivered["state"] == "delivered"
    assert gateway.fake.deliveries_for(accepted["message_id"]) == 1
    assert gateway.fake.delivered[0].message_id == accepted["message_id"]


async def test_permanent_failure_dead_letters_at_once(
    gateway: Gateway, invoice_json: bytes
) -> None:
    partner_id, _ = await gateway.create_partner("buyer")
    accepted = await (await gateway.send_outbound(partner_id, invoice_json)).json()
    gateway.fake.fail_next(1, retryable=False)
    await gateway.run_outbox()
    dead = await exchange(gateway, accepted["exchange_id"])
    assert (dead["state"], dead["attempts"]) == ("dead_letter", 1)
    replay_twice = await gateway.client.post(
        f"/admin/v1/exchanges/{accepted['exchange_id']}/replay", headers=gateway.admin)
    assert replay_twice.status == 200
    again = await gateway.client.post(
        f"/admin/v1/exchanges/{accepted['exchange_id']}/replay", headers=gateway.admin)
    assert again.status == 409  # queued is not a dead letter


async def test_partner_without_endpoint_pulls_from_its_inbox(
    gateway: Gateway, invoice_json: bytes
) -> None:
    partner_id, auth = await gateway.create_partner("puller", endpoint=None)
    accepted = await (await gateway.send_outbound(partner_id, invoice_json)).json()
    await gateway.run_outbox()
    assert gateway.fake.attempts == []
    inbox = await (await gateway.client.get("/v1/inbox", headers=auth)).json()
    assert [i["exchange_id"] for i in inbox["items"]] == [accepted["exchange_id"]]
    item = inbox["items"][0]
    xml = await gateway.client.get(item["links"]["xml"], headers=auth)
    assert b"<cbc:ID>Snippet1</cbc:ID>" in await xml.read()
    ack = await gateway.client.post(item["links"]["ack"], headers=auth)
    assert (await ack.json())["state"] == "acknowledged"
    assert (await (await gateway.client.get("/v1/inbox", headers=auth)).json())["items"] == []
    with_acked = await gateway.client.get("/v1/inbox", headers=auth,
                                          params={"include_acknowledged": "true"})
    assert len((await with_acked.json())["items"]) == 1


async def test_background_workers_deliver_and_two_apps_share_the_outbox(
    make_gateway: GatewayFactory, invoice_xml: bytes
) -> None:
    """Two gateway apps (like two processes) on one database, each with two workers: every
    document is delivered exactly once."""
    first = await make_gateway(workers=2)
    second = await make_gateway(fake=first.fake, workers=2)  # one partner behind both
    partner_id, _ = await first.create_partner("buyer")
    total = 8
    sent = []
    for n in range(total):
        body = invoice_xml.replace(b"<cbc:ID>Snippet1</cbc:ID>", f"<cbc:ID>N{n}</cbc:ID>".encode())
        target = first if n % 2 else second
        response = await target.send_outbound(partner_id, body, content_type="application/xml")
        assert response.status == 202, await response.text()
        sent.append((await response.json())["message_id"])

    async def all_delivered() -> bool:
        listed = await first.client.get("/admin/v1/exchanges", headers=first.admin,
                                        params={"state": "delivered", "limit": "100"})
        return len((await listed.json())["items"]) == total

    await first.wait_for(all_delivered)
    await asyncio.sleep(0.2)
    assert sorted(e.message_id for e in first.fake.delivered) == sorted(sent)
    assert len(first.fake.attempts) == total  # no document was sent twice
