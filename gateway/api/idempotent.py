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
* A handler whose effects commit in one transaction stores its response there, with
  `complete_in(session, response)`: the effects and the stored response then commit together,
  so a crash (kill -9) leaves both or neither. The document submissions do this.
* A key whose request never completed (its process died between the claim and the
  completion) is taken over by a retry after ``idempotency_claim_seconds``: the retry runs
  the request. The claim time fences the old request: should it still be alive, its
  completion fails (`IdempotencyClaimLost`) and its transaction rolls back. For handlers
  that store their response with `complete_in` this is exact; the others complete in a
  transaction of their own, and a crash right between the two means the retry runs them
  again (the inbound submission is still answered once: its message id de-duplicates it).

Keys are scoped: a partner's keys cannot collide with another partner's or the admin's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy import delete, event
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.api import keys
from gateway.api.http import database, now
from gateway.api.problem import error_response
from gateway.db.repos import idempotency
from gateway.db.tables.idempotency import IdempotencyKey
from gateway.errors import GatewayError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
Work = Callable[[], Awaitable[web.Response]]


@dataclass(slots=True)
class _Claim:
    """The key the running request owns; `claimed_at` is its fencing token."""

    scope: str
    key: str
    claimed_at: datetime
    clock: Callable[[], datetime]
    completed: bool = False
    """The response is stored: by `complete_in`, set once its transaction committed."""


_CLAIM: ContextVar[_Claim | None] = ContextVar("idempotency_claim", default=None)


async def complete_in(session: AsyncSession, response: web.Response) -> None:
    """Store `response` under the running request's Idempotency-Key in `session`'s
    transaction, the one that commits the request's effects (nothing without a key).

    IdempotencyClaimLost when a retry took the key over meanwhile: the caller's transaction
    must roll back (raising does that).
    """
    claim = _CLAIM.get()
    if claim is None or claim.completed:
        return
    await _complete(session, claim, response)

    def committed(_session: object) -> None:
        claim.completed = True

    event.listen(session.sync_session, "after_commit", committed, once=True)


async def run_idempotent(
    request: web.Request, *, scope: str, body: bytes, work: Work
) -> web.Response:
    """Run `work` once per (scope, Idempotency-Key); without the header, just run it."""
    key = request.headers.get(HEADER)
    if key is None:
        return await work()
    fingerprint = idempotency.request_fingerprint(request.method, request.path_qs, body)
    db = database(request)
    claimed_at = now(request)
    stale = timedelta(seconds=request.config_dict[keys.SETTINGS].idempotency_claim_seconds)
    async with db.transaction() as session:
        stored = await idempotency.begin_request(
            session, scope=scope, key=key, request_hash=fingerprint, now=claimed_at,
            stale_after=stale,
        )
    if stored is not None:
        return web.Response(status=stored.status, body=stored.body,
                            headers={"Content-Type": stored.content_type, REPLAYED_HEADER: "true"})
    claim = _Claim(scope, key, claimed_at, request.config_dict[keys.OPTIONS].clock)
    token = _CLAIM.set(claim)
    try:
        response = await work()
    except GatewayError as exc:
        response = error_response(exc, instance=request.path,
                                  request_id=request.get(keys.REQUEST_ID))
        if claim.completed:  # failed after its effects and their answer were committed
            return response
        if exc.retryable or response.status >= 500:
            await _release(request, claim)
            return response
    except BaseException:
        if not claim.completed:
            await _release(request, claim)
        raise
    finally:
        _CLAIM.reset(token)
    if claim.completed:
        return response
    if response.status >= 500:
        await _release(request, claim)
        return response
    async with db.transaction() as session:
        await _complete(session, claim, response)
    return response


async def _complete(session: AsyncSession, claim: _Claim, response: web.Response) -> None:
    await idempotency.complete_request(
        session, scope=claim.scope, key=claim.key, status=response.status,
        body=_body_of(response),
        content_type=response.headers.get("Content-Type", "application/octet-stream"),
        now=claim.clock(), claimed_at=claim.claimed_at,
    )


def _body_of(response: web.Response) -> bytes:
    body = response.body
    return bytes(body) if isinstance(body, bytes | bytearray) else b""


async def _release(request: web.Request, claim: _Claim) -> None:
    """Forget an unfinished key, so that the client's retry runs the request again; not if a
    retry took it over meanwhile (the claim time no longer matches)."""
    async with database(request).transaction() as session:
        await session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.scope == claim.scope, IdempotencyKey.key == claim.key,
                IdempotencyKey.created_at == claim.claimed_at,
                IdempotencyKey.response_status.is_(None),
            )
        )
