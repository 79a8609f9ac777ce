"""Admin API: webhook subscriptions, the delivery log and replays.

Subscriptions must name at least one signing key ({key_id, secret_ref}); the secret is read
from the environment or a file at send time, never stored (gateway.webhooks.secrets).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.api.admin.common import json_write, wake_webhooks
from gateway.api.http import (
    actor,
    database,
    field_value,
    json_response,
    now,
    page,
    query_limit,
    query_text,
    required_text,
    text_list,
)
from gateway.api.spec import PAGINATION, Body, Operation, Param, json_reply, list_of, page_of, ref
from gateway.api.views import delivery_view, subscription_view
from gateway.db.repos import partners as partners_repo
from gateway.db.repos import webhooks as webhooks_repo
from gateway.errors import InputError

JSON_BODY = "application/json"


def _signing_keys(body: dict[str, Any]) -> list[dict[str, str]]:
    keys = field_value(body, "signing_keys", list)
    if not keys or not all(isinstance(k, dict) for k in keys):
        raise InputError("field 'signing_keys' must list at least one {key_id, secret_ref}: "
                         "webhooks are always signed")
    return [dict(k) for k in keys]


async def create_subscription(request: web.Request) -> web.Response:
    async def work(body: dict[str, Any]) -> web.Response:
        partner_id = field_value(body, "partner_id", str, required=False)
        async with database(request).transaction() as session:
            if partner_id is not None:
                await partners_repo.get_partner(session, partner_id)
            row = await webhooks_repo.create_subscription(
                session, url=required_text(body, "url"),
                event_types=text_list(body, "event_types"), now=now(request),
                actor=actor(request), partner_id=partner_id, signing_keys=_signing_keys(body),
            )
        return json_response(subscription_view(row), status=201)

    return await json_write(request, work)


async def list_subscriptions(request: web.Request) -> web.Response:
    partner_id = query_text(request, "partner_id")
    async with database(request).read() as session:
        rows = await webhooks_repo.list_subscriptions(
            session, partner_id=partner_id, internal=request.query.get("internal") == "true"
        )
    return json_response({"items": [subscription_view(s) for s in rows]})


async def get_subscription(request: web.Request) -> web.Response:
    async with database(request).read() as session:
        row = await webhooks_repo.get_subscription(session, request.match_info["subscription_id"])
    return json_response(subscription_view(row))


async def update_subscription(request: web.Request) -> web.Response:
    async def work(body: dict[str, Any]) -> web.Response:
        active = field_value(body, "active", bool)
        assert active is not None
        async with database(request).transaction() as session:
            row = await webhooks_repo.set_subscription_active(
                session, request.match_info["subscription_id"], active, now=now(request),
                actor=actor(request),
            )
        return json_response(subscription_view(row))

    return await json_write(request, work)


async def list_deliveries(request: web.Request) -> web.Response:
    limit = query_limit(request)
    async with database(request).read() as session:
        rows = await webhooks_repo.list_deliveries(
            session, subscription_id=query_text(request, "subscription_id"),
            status=query_text(request, "status"), after=query_text(request, "after"),
            limit=limit,
        )
    return json_response(page(rows, limit, delivery_view, lambda d: d.id))


async def replay_delivery(request: web.Request) -> web.Response:
    async def work(body: dict[str, Any]) -> web.Response:
        async with database(request).transaction() as session:
            row = await webhooks_repo.replay_delivery(
                session, request.match_info["delivery_id"], now=now(request),
                actor=actor(request),
            )
        wake_webhooks(request)
        return json_response(delivery_view(row))

    return await json_write(request, work, body_required=False)


SUBSCRIPTION = "/webhooks/subscriptions/{subscription_id}"

OPERATIONS = (
    Operation("POST", "/webhooks/subscriptions", create_subscription, "createWebhookSubscription",
              "Subscribe a URL to events (signed)", "webhooks",
              replies={201: json_reply("Subscribed.", ref("WebhookSubscription"))},
              body=Body({JSON_BODY: ref("WebhookSubscriptionCreate")}), errors=(400, 404),
              idempotent=True),
    Operation("GET", "/webhooks/subscriptions", list_subscriptions, "listWebhookSubscriptions",
              "Subscriptions", "webhooks",
              replies={200: json_reply("Subscriptions.", list_of("WebhookSubscription"))},
              query=(Param("partner_id", "Only this partner's"),
                     Param("internal", "true: only the internal systems'",
                           {"type": "boolean"}))),
    Operation("GET", SUBSCRIPTION, get_subscription, "getWebhookSubscription", "A subscription",
              "webhooks", replies={200: json_reply("Subscription.", ref("WebhookSubscription"))},
              errors=(404,)),
    Operation("PATCH", SUBSCRIPTION, update_subscription, "updateWebhookSubscription",
              "Pause or resume a subscription", "webhooks",
              replies={200: json_reply("Updated.", ref("WebhookSubscription"))},
              body=Body({JSON_BODY: ref("WebhookSubscriptionUpdate")}), errors=(400, 404),
              idempotent=True),
    Operation("GET", "/webhooks/deliveries", list_deliveries, "listWebhookDeliveries",
              "The delivery log", "webhooks",
              replies={200: json_reply("A page of deliveries.", page_of("WebhookDelivery"))},
              query=(*PAGINATION, Param("subscription_id", "Only this subscription's"),
                     Param("status", "pending, delivering, retry_wait, delivered, dead_letter"))),
    Operation("POST", "/webhooks/deliveries/{delivery_id}/replay", replay_delivery,
              "replayWebhookDelivery", "Send a dead-lettered or delivered event again",
              "webhooks", replies={200: json_reply("Queued again.", ref("WebhookDelivery"))},
              body=Body({JSON_BODY: ref("ReplayRequest")}), errors=(404, 409), idempotent=True),
)
