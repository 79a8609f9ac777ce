"""Idempotency keys for API writes: a retried request gets the first request's response.

The handler, inside its transaction::

    hit = await idempotency.begin_request(session, scope=partner.id, key=key,
                                          request_hash=request_fingerprint(...), now=now)
    if hit is not None:
        return hit                       # the stored response, byte for byte
    ... do the work ...
    await idempotency.complete_request(session, scope=partner.id, key=key, status=201,
                                       body=body, content_type="application/json", now=now)

`begin_request` inserts the key in the same transaction as the work, so the key and the
effects commit together. A concurrent duplicate (PostgreSQL) waits on the unique key until
the first transaction ends: then it sees the stored response (or, if the first one rolled
back, proceeds itself).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.base import require_aware
from gateway.db.repos._common import insert_or_existing
from gateway.db.tables.idempotency import IdempotencyKey
from gateway.errors import Conflict, GatewayError, InputError

MAX_KEY_LENGTH = 255


class IdempotencyKeyReusedError(GatewayError):
    """The key was used before for a different request (IETF draft: 422)."""

    code = "idempotency-key-reused"
    http_status = 422


class IdempotencyRequestInProgress(Conflict):
    """A request with this key has not finished yet (IETF draft: 409)."""

    code = "idempotency-request-in-progress"
    retryable = True


class IdempotencyClaimLost(Conflict):
    """The key was taken over by a retry after this request's claim went stale; this request
    must not commit its effects (the retry does them)."""

    code = "idempotency-claim-lost"
    retryable = True


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: bytes
    content_type: str


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 over the method, the path and the body: what makes two requests "the same"."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def _find(session: AsyncSession, scope: str, key: str) -> IdempotencyKey | None:
    stmt = select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    return (await session.scalars(stmt.execution_options(populate_existing=True))).one_or_none()


async def begin_request(
    session: AsyncSession,
    *,
    scope: str,
    key: str,
    request_hash: str,
    now: datetime,
    stale_after: timedelta | None = None,
) -> StoredResponse | None:
    """None: first time, go ahead (and call `complete_request`). Otherwise the stored response.

    With `stale_after`, a key claimed in a separate transaction (gateway.api.idempotent) whose
    request has not completed after that long is taken over: its process died (kill -9, power
    loss) between the claim and the completion. The claim time `now` becomes the fencing
    token: the completion of the old request, should it still be alive, finds another claim
    time and fails (`complete_request(claimed_at=...)`), so its effects roll back with it.
    This is safe only if the work commits in the same transaction as the completion.

    Raises IdempotencyKeyReusedError if the key came with a different request, and
    IdempotencyRequestInProgress if the first request has not completed.
    """
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InputError(f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable characters")
    row = IdempotencyKey(
        scope=scope, key=key, request_hash=request_hash, created_at=require_aware(now, "now")
    )

    async def existing() -> IdempotencyKey | None:
        return await _find(session, scope, key)

    stored, created = await insert_or_existing(session, row, existing)
    if created:
        return None
    if stored.request_hash != request_hash:
        raise IdempotencyKeyReusedError(
            f"Idempotency-Key {key!r} was already used for a different request"
        )
    if stored.response_status is None:
        if stale_after is not None and stored.created_at <= now - stale_after \
                and await _take_over(session, stored, now):
            return None
        raise IdempotencyRequestInProgress(
            f"a request with Idempotency-Key {key!r} is still in progress"
        )
    return StoredResponse(
        status=stored.response_status, body=stored.response_body or b"",
        content_type=stored.response_content_type or "application/octet-stream",
    )


async def _take_over(session: AsyncSession, stored: IdempotencyKey, now: datetime) -> bool:
    """Claim a stale key anew, unless another retry or the completion got there first."""
    result = await session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == stored.id, IdempotencyKey.response_status.is_(None),
               IdempotencyKey.created_at == stored.created_at)
        .values(created_at=require_aware(now, "now"))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


async def complete_request(
    session: AsyncSession,
    *,
    scope: str,
    key: str,
    status: int,
    body: bytes,
    content_type: str,
    now: datetime,
    claimed_at: datetime | None = None,
) -> None:
    """Store the response to replay for retries (same transaction as the work).

    `claimed_at`: the `now` the key was claimed with; IdempotencyClaimLost if the claim was
    taken over since (see `begin_request`).
    """
    row = await _find(session, scope, key)
    if row is None:
        raise Conflict(f"Idempotency-Key {key!r} was not begun in this transaction")
    if claimed_at is not None and (row.response_status is not None
                                   or row.created_at != require_aware(claimed_at, "claimed_at")):
        raise IdempotencyClaimLost(
            f"Idempotency-Key {key!r} was taken over by a retry; this request's work is undone"
        )
    row.response_status = status
    row.response_body = bytes(body)
    row.response_content_type = content_type
    row.completed_at = require_aware(now, "now")
    await session.flush()


async def purge_expired(session: AsyncSession, *, older_than: datetime) -> int:
    """Delete keys created before `older_than` (keys are kept for a retention window)."""
    cutoff = require_aware(older_than, "older_than")
    result = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)
