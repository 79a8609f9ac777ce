"""The Idempotency-Key header on API writes: a retried request gets the first response.

    Idempotency-Key: 7d0c9f2e-...        (1-255 printable characters, chosen by the client)

* The key is claimed in its own short transaction (gateway.db.repos.idempotency), so a
  concurrent request with the same key sees it at once and is answered 409
  ``idempotency-request-in-progress`` (retry later).
* When the work ends, its response (status, body, content type) is stored under the key;
  a retry with the same method, path and body gets exactly that response again, with
  ``Idempotent-Replayed: true``. Final answers are stored, failures included (a 422 is
  replayed as a 422); transient ones (5xx, retryable errors) release the key instead.
* The same key with a different request is a 409 ``idempotency-key-reused``.

Keys are scoped: a partner's keys cannot collide with another partner's or the admin's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy import delete

from gateway.api import keys
from gateway.api.http import database, now
from gateway.api.problem import error_response
from gateway.db.repos import idempotency
from gateway.db.tables.idempotency import IdempotencyKey
from gateway.errors import GatewayError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
Work = Callable[[], Awaitable[web.Response]]


async def run_idempotent(
    request: web.Request, *, scope: str, body: bytes, work: Work
) -> web.Response:
    """Run `work` once per (scope, Idempotency-Key); without the header, just run it."""
    key = request.headers.get(HEADER)
    if key is None:
        return await work()
    fingerprint = idempotency.request_fingerprint(request.method, request.path_qs, body)
    db = database(request)
    async with db.transaction() as session:
        stored = await idempotency.begin_request(
            session, scope=scope, key=key, request_hash=fingerprint, now=now(request)
        )
    if stored is not None:
        return web.Response(status=stored.status, body=stored.body,
                            headers={"Content-Type": stored.content_type, REPLAYED_HEADER: "true"})
    try:
        response = await work()
    except GatewayError as exc:
        response = error_response(exc, instance=request.path,
                                  request_id=request.get(keys.REQUEST_ID))
        if exc.retryable or response.status >= 500:
            await _release(request, scope, key)
            return response
    except BaseException:
        await _release(request, scope, key)
        raise
    if response.status >= 500:
        await _release(request, scope, key)
        return response
    async with db.transaction() as session:
        await idempotency.complete_request(
            session, scope=scope, key=key, status=response.status, body=_body_of(response),
            content_type=response.headers.get("Content-Type", "application/octet-stream"),
            now=now(request),
        )
    return response


def _body_of(response: web.Response) -> bytes:
    body = response.body
    return bytes(body) if isinstance(body, bytes | bytearray) else b""


async def _release(request: web.Request, scope: str, key: str) -> None:
    """Forget an unfinished key, so that the client's retry runs the request again."""
    async with database(request).transaction() as session:
        await session.execute(
            delete(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
        )
