"""Authentication: partner API keys for /v1, a separate admin key for /admin/v1.

* Partner requests carry ``Authorization: Bearer gw_<prefix>_<key>``; the key is checked
  against its stored hash (gateway.db.repos.credentials) and scopes the request to its
  partner: every partner handler filters by that partner, so another tenant's data is
  "not found", never "forbidden" (its existence does not leak).
* Admin requests carry ``Authorization: Bearer <admin key>``; the admin keys come from the
  settings (GATEWAY_ADMIN_TOKEN, several separated by commas during a rotation), never from
  the database, and a partner key is never an admin key. No admin key configured: the admin
  API answers 401 to everyone.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from gateway.api import keys
from gateway.api.http import database, now
from gateway.api.spec import Handler
from gateway.db.repos.credentials import (
    Principal,
    authenticate_api_key,
    needs_use_record,
    record_api_key_use,
)
from gateway.errors import Unauthorized

ADMIN_ACTOR = "admin"


def bearer_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing credentials: send Authorization: Bearer <API key>")
    return token.strip()


def admin_tokens(configured: str | None) -> tuple[str, ...]:
    return tuple(t.strip() for t in (configured or "").split(",") if t.strip())


def is_admin_token(token: str, configured: tuple[str, ...]) -> bool:
    # Compare against every key (no early exit) so timing says nothing about which matched.
    matches = [hmac.compare_digest(token.encode(), known.encode()) for known in configured]
    return any(matches)


async def authenticate_partner(request: web.Request) -> Principal:
    token = bearer_token(request)
    db, moment = database(request), now(request)
    async with db.read() as session:
        principal = await authenticate_api_key(session, token, now=moment, record_use=False)
    if needs_use_record(principal.api_key, moment):
        async with db.transaction() as session:
            await record_api_key_use(session, principal.api_key.key_id, now=moment)
    return principal


@web.middleware
async def partner_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    principal = await authenticate_partner(request)
    request[keys.PRINCIPAL] = principal
    request[keys.ACTOR] = f"partner:{principal.partner.id}/{principal.api_key.key_id}"
    return await handler(request)


@web.middleware
async def admin_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = bearer_token(request)
    configured = admin_tokens(request.config_dict[keys.SETTINGS].admin_token)
    if not configured:
        raise Unauthorized("the admin API is disabled: no admin key is configured "
                           "(GATEWAY_ADMIN_TOKEN)")
    if not is_admin_token(token, configured):
        raise Unauthorized("invalid admin key")
    request[keys.ACTOR] = ADMIN_ACTOR
    return await handler(request)
