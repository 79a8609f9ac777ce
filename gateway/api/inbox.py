"""Pull inboxes: cursor-paginated lists of documents waiting to be fetched, with acknowledge.

Two inboxes share this code:

* a partner's inbox (GET /v1/inbox): documents we sent it, i.e. its outbound exchanges in
  state ``delivered`` (pushed to an endpoint, or only made available when it has none or a
  ``pull`` endpoint); acknowledging moves the exchange to ``acknowledged``;
* the internal systems' inbox (GET /admin/v1/inbox): inbound documents that were accepted
  and routed (state ``routed``); acknowledging moves the exchange to ``acknowledged``.

The cursor is the exchange id (UUIDv7, creation order). Acknowledged items are left out
unless ``include_acknowledged=true``. Acknowledging twice is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from gateway.api.http import (
    actor,
    database,
    json_response,
    now,
    page,
    query_bool,
    query_limit,
    query_text,
)
from gateway.api.views import document_links
from gateway.db.repos import exchanges as exchanges_repo
from gateway.db.tables.exchanges import Exchange
from gateway.errors import NotFound
from gateway.exchange.states import Direction, State


@dataclass(frozen=True, slots=True)
class Inbox:
    direction: Direction
    waiting: State
    prefix: str


PARTNER_INBOX = Inbox(Direction.OUTBOUND, State.DELIVERED, "/v1")
INTERNAL_INBOX = Inbox(Direction.INBOUND, State.ROUTED, "/admin/v1")


def item_view(exchange: Exchange, inbox: Inbox) -> dict[str, Any]:
    links = document_links(inbox.prefix, exchange.document_id) if exchange.document_id else {}
    links["ack"] = f"{inbox.prefix}/inbox/{exchange.id}/ack"
    return {
        "exchange_id": exchange.id,
        "document_id": exchange.document_id,
        "document_type": exchange.document_type,
        "message_id": exchange.message_id,
        "partner_id": exchange.partner_id,
        "state": exchange.state,
        "available_at": exchange.updated_at.isoformat(),
        "links": links,
    }


async def list_items(request: web.Request, inbox: Inbox, partner_id: str | None) -> web.Response:
    limit = query_limit(request)
    states = [inbox.waiting]
    if query_bool(request, "include_acknowledged"):
        states.append(State.ACKNOWLEDGED)
    async with database(request).read() as session:
        rows = await exchanges_repo.list_exchanges(
            session, partner_id=partner_id or query_text(request, "partner_id"),
            direction=inbox.direction, states=states, after=query_text(request, "after"),
            limit=limit,
        )
    return json_response(page(rows, limit, lambda e: item_view(e, inbox), lambda e: e.id))


async def acknowledge(request: web.Request, inbox: Inbox, partner_id: str | None) -> web.Response:
    exchange_id = request.match_info["exchange_id"]
    moment = now(request)
    async with database(request).transaction() as session:
        exchange = await exchanges_repo.get_exchange(
            session, exchange_id, partner_id=partner_id, for_update=True
        )
        if exchange.direction != inbox.direction.value or exchange.state not in (
            inbox.waiting.value, State.ACKNOWLEDGED.value
        ):
            raise NotFound(f"exchange {exchange_id} is not in the inbox (state {exchange.state})")
        acknowledged_now = exchange.state == inbox.waiting.value
        if acknowledged_now:
            await exchanges_repo.transition(session, exchange, State.ACKNOWLEDGED, now=moment,
                                            actor=actor(request), detail={"inbox": True})
    return json_response({"exchange_id": exchange.id, "state": exchange.state,
                          "acknowledged": True})
