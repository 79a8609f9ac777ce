"""An inbound document stored but not yet routed when its process stopped is finished later."""

from __future__ import annotations

from datetime import timedelta

from gateway.api import keys
from gateway.db.repos import exchanges as exchanges_repo
from gateway.exchange.inbound import InboundPipeline
from tests.integration.api.conftest import Gateway


async def test_stale_reception_is_resumed(gateway: Gateway, invoice_xml: bytes) -> None:
    partner_id, auth = await gateway.create_partner("acme")
    db, clock = gateway.app[keys.DATABASE], gateway.app[keys.OPTIONS].clock
    async with db.transaction() as session:  # step 1 only: the process "died" after it
        reception = await exchanges_repo.receive_inbound(
            session, partner_id=partner_id, message_id="m-1", raw=invoice_xml,
            content_type="application/xml", now=clock(), actor="test")
    pipeline = InboundPipeline(db, gateway.app[keys.ANALYZER], clock=clock)
    assert await pipeline.resume_stale(older_than=timedelta(hours=1)) == 0  # not stale yet
    assert await pipeline.resume_stale(older_than=timedelta(0)) == 1
    document = await gateway.client.get(f"/v1/documents/{reception.document.id}", headers=auth)
    body = await document.json()
    assert (body["state"], body["document_type"]) == ("routed", "invoice")
    assert await pipeline.resume_stale(older_than=timedelta(0)) == 0
