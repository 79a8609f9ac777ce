"""The inbound pipeline: persist → de-duplicate → sniff → validate → parse → route → respond.

1. The raw bytes are stored first, byte-exact with their SHA-256, and the inbound exchange is
   opened (``received``), in one transaction. The unique key (partner, message id, SHA-256)
   de-duplicates: a re-sent message gets an exchange in state ``duplicate`` that points to the
   first copy, and nothing else runs for it.
2. When the partner's signing policy requires a signature, or the document carries one, it
   is verified against the partner's signing certificates (gateway.exchange.signatures); a
   missing or failing signature rejects the document with its GW-SIG-* finding (422), and a
   verified document is read from the verified bytes. Then the document is read
   (gateway.exchange.analysis) outside any transaction, in a thread.
3. One transaction records the analysis on the document (type, canonical JSON, findings) and
   moves the exchange: ``accepted`` → ``routed`` (the ``document.received`` event is queued
   for the internal webhook subscriptions and the document shows in the internal pull inbox),
   or ``rejected`` (stored with its findings; ``document.rejected`` is queued).

A process that dies between 1 and 3 leaves the exchange ``received``; `resume_stale` (run
periodically by the app) finishes such exchanges from the stored bytes. `process_stored` runs
2-3 for one exchange persisted elsewhere (the AS4 endpoint stores before it answers, then
hands the exchange id over).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.database import Database
from gateway.db.repos import documents as documents_repo
from gateway.db.repos import exchanges as exchanges_repo
from gateway.db.repos import partners as partners_repo
from gateway.db.repos.documents import sha256_hex
from gateway.db.tables.documents import MESSAGE_ID_LENGTH, Document
from gateway.db.tables.exchanges import Exchange
from gateway.documents.registry import REGISTRY
from gateway.errors import InputError
from gateway.exchange import events
from gateway.exchange.analysis import Analysis, DocumentAnalyzer, media_type_of
from gateway.exchange.signatures import (
    NO_POLICY,
    check_inbound_document,
    may_be_signed,
    partner_policy,
    partner_verifier,
)
from gateway.exchange.states import Direction, State
from gateway.findings import Layer, Report
from gateway.observability.context import bind_exchange
from gateway.signing import DocumentVerifier, SignatureRejected, SigningPolicy
from gateway.transports.base import Clock

_log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=2)
SYSTEM_ACTOR = "gateway:inbound"


@dataclass(frozen=True, slots=True)
class InboundResult:
    """The outcome of one reception.

    For a duplicate, `exchange` is the new exchange (state ``duplicate``), `original` the one
    that first carried the document and `document` the first copy; `analysis` is None.
    """

    exchange: Exchange
    document: Document
    duplicate: bool
    analysis: Analysis | None = None
    original: Exchange | None = None

    @property
    def accepted(self) -> bool:
        if self.duplicate:
            return self.original is not None and self.original.state != State.REJECTED.value
        return self.exchange.state != State.REJECTED.value


def message_id_for(given: str | None, raw: bytes) -> str:
    """The partner's message id, or ``sha256:<hex>`` of the bytes when it sent none (so an
    identical re-send is still recognised as a duplicate)."""
    if given is None:
        return f"sha256:{sha256_hex(raw)}"
    value = given.strip()
    if not value or len(value) > MESSAGE_ID_LENGTH or not value.isprintable():
        raise InputError(f"the message id must be 1-{MESSAGE_ID_LENGTH} printable characters")
    return value


class InboundPipeline:
    def __init__(self, db: Database, analyzer: DocumentAnalyzer, *, clock: Clock) -> None:
        self.db = db
        self.analyzer = analyzer
        self.clock = clock

    async def receive(
        self,
        *,
        partner_id: str,
        raw: bytes,
        content_type: str | None,
        actor: str,
        message_id: str | None = None,
        declared_type: str | None = None,
    ) -> InboundResult:
        """Run the whole pipeline for one document a partner sent."""
        media_type = media_type_of(content_type)
        if declared_type is not None:
            REGISTRY.get(declared_type)  # 415 naming the known types, before anything is stored
        async with self.db.transaction() as session:
            reception = await exchanges_repo.receive_inbound(
                session, partner_id=partner_id, message_id=message_id_for(message_id, raw),
                raw=raw, content_type=media_type, now=self.clock(), actor=actor,
                document_type=declared_type,
            )
        bind_exchange(reception.exchange.id)
        if reception.duplicate:
            self._count(reception.exchange, State.DUPLICATE.value)
            return InboundResult(reception.exchange, reception.document, True,
                                 original=reception.original)
        analysis = await self._analyze(partner_id, raw, media_type, declared_type)
        result = await self._finish(reception.exchange.id, analysis, actor)
        self._count(result.exchange, result.exchange.state)
        return result

    async def _analyze(
        self, partner_id: str | None, raw: bytes, media_type: str, declared_type: str | None
    ) -> Analysis:
        """Signature check (when the policy or the document calls for one), then analysis of
        the verified bytes; a refused signature becomes a rejected analysis."""
        policy, verifier = await self._signature_setup(partner_id, raw)
        try:
            checked = await asyncio.to_thread(
                check_inbound_document, policy, verifier, raw, media_type
            )
        except SignatureRejected as exc:
            report = Report(document_type=declared_type)
            report.extend(Layer.RULES, exc.findings)
            return Analysis(media_type, report, document_type=declared_type, error=exc)
        analysis = await asyncio.to_thread(
            self.analyzer.analyze, checked.document, media_type, declared_type
        )
        analysis.report.findings[:0] = checked.findings
        return analysis

    async def _signature_setup(
        self, partner_id: str | None, raw: bytes
    ) -> tuple[SigningPolicy, DocumentVerifier | None]:
        if partner_id is None:
            return NO_POLICY, None
        async with self.db.read() as session:
            policy = partner_policy(await partners_repo.get_partner(session, partner_id))
            if not policy.require_inbound and not may_be_signed(raw):
                return policy, None
            return policy, await partner_verifier(session, partner_id)

    def _count(self, exchange: Exchange, state: str) -> None:
        self.analyzer.metrics.document(Direction.INBOUND.value, exchange.document_type, state)

    async def _finish(self, exchange_id: str, analysis: Analysis, actor: str) -> InboundResult:
        async with self.db.transaction() as session:
            exchange = await exchanges_repo.get_exchange(session, exchange_id, for_update=True)
            document = await _document_of(session, exchange)
            if exchange.state != State.RECEIVED.value:  # finished meanwhile (resume_stale race)
                return InboundResult(exchange, document, False, analysis)
            await documents_repo.record_analysis(
                session, document, document_type=analysis.document_type,
                canonical=analysis.canonical, findings=analysis.findings,
            )
            exchange.document_type = analysis.document_type
            if analysis.accepted:
                await self._route(session, exchange, document, analysis, actor)
            else:
                await self._reject(session, exchange, document, analysis, actor)
        return InboundResult(exchange, document, False, analysis)

    async def _route(
        self, session: AsyncSession, exchange: Exchange, document: Document,
        analysis: Analysis, actor: str,
    ) -> None:
        now = self.clock()
        await exchanges_repo.transition(
            session, exchange, State.ACCEPTED, now=now, actor=actor,
            detail={"document_type": analysis.document_type,
                    "warnings": len(analysis.findings)},
        )
        data = events.exchange_data(exchange, document) | {"document": analysis.canonical}
        event_id = await events.emit(session, events.DOCUMENT_RECEIVED, data, now=now,
                                     partner_id=None)
        await exchanges_repo.transition(
            session, exchange, State.ROUTED, now=now, actor=actor,
            detail={"event_id": event_id, "inbox": True},
        )

    async def _reject(
        self, session: AsyncSession, exchange: Exchange, document: Document,
        analysis: Analysis, actor: str,
    ) -> None:
        now = self.clock()
        error = analysis.rejection()
        fatal = sorted({f.rule_id for f in analysis.report.fatal})
        await exchanges_repo.transition(
            session, exchange, State.REJECTED, now=now, actor=actor,
            detail={"code": error.code, "rule_ids": fatal},
        )
        data = events.exchange_data(exchange, document) | {
            "code": error.code, "findings": [f.to_dict() for f in analysis.findings],
        }
        await events.emit(session, events.DOCUMENT_REJECTED, data, now=now, partner_id=None)

    async def process_stored(
        self, exchange_id: str, *, actor: str = SYSTEM_ACTOR
    ) -> InboundResult:
        """Finish an inbound exchange whose document is already stored (state ``received``):
        validate → parse → route (or reject), as `receive` does after persisting. Used when
        another component persisted the reception (the AS4 endpoint's StoreSink) and by
        `resume_stale`. An exchange no longer ``received`` is returned unchanged."""
        async with self.db.read() as session:
            exchange = await exchanges_repo.get_exchange(session, exchange_id)
            if exchange.document_id is None:
                raise InputError(f"exchange {exchange.id} has no document")
            document = await documents_repo.get_document(session, exchange.document_id)
        bind_exchange(exchange_id)
        if exchange.state != State.RECEIVED.value:
            return InboundResult(exchange, document, exchange.state == State.DUPLICATE.value)
        analysis = await self._analyze(exchange.partner_id, document.raw,
                                       media_type_of(document.content_type),
                                       document.document_type)
        result = await self._finish(exchange_id, analysis, actor)
        self._count(result.exchange, result.exchange.state)
        return result

    async def resume_stale(self, *, older_than: timedelta = STALE_AFTER, limit: int = 20) -> int:
        """Finish inbound exchanges left ``received`` by a process that stopped mid-way."""
        cutoff = self.clock() - older_than
        async with self.db.read() as session:
            stale = await _stale_receptions(session, cutoff, limit)
        for exchange_id, _ in stale:
            await self.process_stored(exchange_id)
            _log.warning("resumed inbound exchange %s left in state received", exchange_id)
        return len(stale)


async def _document_of(session: AsyncSession, exchange: Exchange) -> Document:
    if exchange.document_id is None:
        raise InputError(f"exchange {exchange.id} has no document")
    document = await session.get(Document, exchange.document_id)
    if document is None:
        raise InputError(f"document {exchange.document_id} of exchange {exchange.id} is missing")
    return document


async def _stale_receptions(
    session: AsyncSession, cutoff: datetime, limit: int
) -> Sequence[tuple[str, str]]:
    stmt = (
        select(Exchange.id, Exchange.document_id)
        .where(Exchange.direction == Direction.INBOUND.value,
               Exchange.state == State.RECEIVED.value, Exchange.updated_at < cutoff,
               Exchange.document_id.is_not(None))
        .order_by(Exchange.id).limit(limit)
    )
    rows = (await session.execute(stmt)).all()
    return [(row[0], row[1]) for row in rows if row[1] is not None]
