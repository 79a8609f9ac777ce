"""``StoreSink``: the AS4 endpoint's persistence on the gateway database (docs/store.md).

In one transaction, committed before the receipt goes out:

* the business document (the bytes inside the SBD, as the sender enclosed them) is stored and
  its inbound exchange opened by ``repos.exchanges.receive_inbound``, keyed by the AS4
  MessageId: a resend of the same message finds the first copy (the unique key partner +
  direction + MessageId + SHA-256) and gets an exchange in state ``duplicate``, nothing else;
* a MessageId already received with *different* content is refused (EBMS:0003): ebMS
  duplicate detection is by MessageId, so it must never become a second acceptance;
* our signed receipt is stored as an outbound document and linked to the exchange as its
  ``receipt`` acknowledgement, with the AS4 routing facts in its detail (the evidence).

The sending partner is the one owning the SBDH sender (C1) identifier, if any. Concurrent
receptions of one MessageId in this process are serialised by a per-MessageId lock; across
processes the unique key decides (for unknown senders, whose partner is NULL, the lookup).
``on_accepted(exchange_id)`` runs after the commit for new messages (e.g. the inbound
pipeline's analysis); its failures are logged, the receipt is already owed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.database import Database
from gateway.db.repos import documents as documents_repo
from gateway.db.repos import exchanges as exchanges_repo
from gateway.db.repos import partners as partners_repo
from gateway.errors import InputError
from gateway.peppol.as4.endpoint import Acceptance
from gateway.peppol.as4.errors import VALUE_INCONSISTENT, As4Rejected
from gateway.peppol.as4.inbound import ReceivedUserMessage
from gateway.peppol.as4.signals import Signal
from gateway.transports.base import Clock, InboundRequest, sha256_hex, utc_now

_log = logging.getLogger(__name__)
ACTOR = "transport:as4"
DOCUMENT_CONTENT_TYPE = "application/xml"

DatabaseSource = Database | Callable[[], Database]
AfterAccept = Callable[[str], Awaitable[None]]


class _KeyLocks:
    """One asyncio.Lock per key while in use."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


def evidence_detail(message: ReceivedUserMessage, request: InboundRequest) -> dict[str, Any]:
    """The AS4 facts kept with the receipt acknowledgement (JSON, no floats)."""
    header, scope = message.header, message.envelope.header
    return {
        "as4_message_id": header.message_id,
        "conversation_id": header.conversation_id,
        "from_party": header.from_party,
        "to_party": header.to_party,
        "signer": message.signature.signer.subject.rfc4514_string(),
        "original_sender": str(scope.sender),
        "final_recipient": str(scope.receiver),
        "document_type_id": str(scope.document_type),
        "process_id": str(scope.process),
        "sbdh_instance_id": scope.instance_id,
        "sbd_sha256": sha256_hex(message.sbd),
        "request_sha256": sha256_hex(request.body),
        "signed_references": [
            {"uri": r.uri, "digest": r.digest_value.hex()} for r in message.signature.references
        ],
    }


class StoreSink:
    def __init__(
        self,
        database: DatabaseSource,
        *,
        clock: Clock = utc_now,
        on_accepted: AfterAccept | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._on_accepted = on_accepted
        self._locks = _KeyLocks()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def database(self) -> Database:
        return self._database if isinstance(self._database, Database) else self._database()

    async def accept(
        self, message: ReceivedUserMessage, *, receipt: Signal, request: InboundRequest
    ) -> Acceptance:
        async with (
            self._locks.hold(message.message_id),
            self.database.transaction() as session,
        ):
            acceptance = await self._store(session, message, receipt, request)
        if not acceptance.duplicate and acceptance.exchange_id and self._on_accepted:
            task = asyncio.create_task(self._after(acceptance.exchange_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return acceptance

    async def _store(
        self,
        session: AsyncSession,
        message: ReceivedUserMessage,
        receipt: Signal,
        request: InboundRequest,
    ) -> Acceptance:
        now = self._clock()
        document = message.envelope.document
        await _refuse_reused_message_id(session, message.message_id, sha256_hex(document))
        partner_id = await _sending_partner(session, message)
        reception = await exchanges_repo.receive_inbound(
            session,
            partner_id=partner_id,
            message_id=message.message_id,
            raw=document,
            content_type=DOCUMENT_CONTENT_TYPE,
            now=now,
            actor=ACTOR,
        )
        if reception.duplicate:
            return Acceptance(True, reception.exchange.id, reception.document.id)
        stored = await documents_repo.store_document(
            session,
            direction="outbound",
            message_id=receipt.message_id,
            raw=receipt.body,
            content_type=receipt.content_type.split(";")[0],
            now=now,
            partner_id=partner_id,
        )
        await exchanges_repo.link_acknowledgement(
            session,
            reception.exchange,
            kind="receipt",
            direction="outbound",
            now=now,
            actor=ACTOR,
            status="sent",
            document_id=stored.document.id,
            detail=evidence_detail(message, request),
        )
        return Acceptance(False, reception.exchange.id, reception.document.id)

    async def _after(self, exchange_id: str) -> None:
        assert self._on_accepted is not None
        try:
            await self._on_accepted(exchange_id)
        except Exception:
            _log.exception("processing of inbound AS4 exchange %s failed", exchange_id)

    async def drain(self) -> None:
        """Wait for the ``on_accepted`` tasks started so far (shutdown, tests)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


async def _refuse_reused_message_id(session: AsyncSession, message_id: str, digest: str) -> None:
    earlier = await documents_repo.find_by_message_id(
        session, message_id=message_id, direction="inbound"
    )
    if earlier and all(document.sha256 != digest for document in earlier):
        raise As4Rejected(
            VALUE_INCONSISTENT,
            f"MessageId {message_id} was already received with a different payload",
        )


async def _sending_partner(session: AsyncSession, message: ReceivedUserMessage) -> str | None:
    try:
        partner = await partners_repo.find_partner_by_identifier(
            session, message.original_sender.value
        )
    except InputError:  # a scheme the partner registry does not know: no partner
        return None
    return partner.id if partner is not None else None
