"""Partner API: the pull inbox of documents sent to the partner (see gateway.api.inbox)."""

from __future__ import annotations

from aiohttp import web

from gateway.api import inbox
from gateway.api.http import partner_id
from gateway.api.spec import PAGINATION, Operation, Param, json_reply, page_of, ref

INCLUDE_ACKNOWLEDGED = Param("include_acknowledged", "Also list acknowledged items.",
                             {"type": "boolean"})


async def list_inbox(request: web.Request) -> web.Response:
    return await inbox.list_items(request, inbox.PARTNER_INBOX, partner_id(request))


async def acknowledge(request: web.Request) -> web.Response:
    return await inbox.acknowledge(request, inbox.PARTNER_INBOX, partner_id(request))


OPERATIONS = (
    Operation("GET", "/inbox", list_inbox, "listInbox", "Documents sent to you, to fetch",
              "inbox", replies={200: json_reply("A page of inbox items.", page_of("InboxItem"))},
              query=(*PAGINATION, INCLUDE_ACKNOWLEDGED)),
    Operation("POST", "/inbox/{exchange_id}/ack", acknowledge, "acknowledgeInboxItem",
              "Acknowledge a fetched document", "inbox",
              replies={200: json_reply("Acknowledged.", ref("InboxAck"))}, errors=(404, 409)),
)
