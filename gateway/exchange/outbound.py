"""The outbound pipeline: JSON → render → validate → persist → outbox (→ worker → transport).

An internal system (the ERP) submits a document for a receiving partner, as the gateway's
JSON or as UBL XML. It is read and validated outside any transaction (in a thread); then one
transaction stores what was submitted and the UBL to send, opens the outbound exchange and
moves it ``created → validated → queued`` (gateway.exchange.outbox.enqueue): the state change
and the send intent commit together. A worker (gateway.exchange.worker) delivers it later.

When the receiving partner's signing policy (gateway.exchange.signatures) says ``xmldsig`` or
``xades-bes``, the validated UBL is signed with the gateway's credentials (loaded once at
start-up) before anything is stored: the stored document, its SHA-256 and what the transport
sends are the signed bytes. A policy that requires signing while the gateway has no signing
key refuses the submission (ConfigurationError, 500, code ``signing-key-missing``) and stores
nothing.

A document that fails validation, or that the partner cannot receive (its capabilities, when
it has any, do not list the type), is stored too, its exchange ``rejected`` with the findings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.base import new_id
from gateway.db.database import Database
from gateway.db.repos import documents as documents_repo
from gateway.db.repos import exchanges as exchanges_repo
from gateway.db.repos import partners as partners_repo
from gateway.db.tables.documents import Document
from gateway.db.tables.exchanges import Exchange
from gateway.documents.registry import REGISTRY
from gateway.errors import ConfigurationError, Conflict
from gateway.exchange import outbox
from gateway.exchange.analysis import (
    XML_MEDIA_TYPE,
    Analysis,
    DocumentAnalyzer,
    media_type_of,
)
from gateway.exchange.signatures import partner_policy
from gateway.exchange.states import Direction, State
from gateway.findings import Finding, Layer, Severity
from gateway.observability.context import bind_exchange
from gateway.signing import DocumentSigner, SignatureMode, SigningPolicy, sign_outbound
from gateway.transports.base import Clock

RULE_CAPABILITY = "GW-PARTNER-CAPABILITY"
BeforeCommit = Callable[[AsyncSession, "OutboundResult"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class OutboundResult:
    exchange: Exchange
    source: Document
    """What the internal system submitted, byte-exact."""
    document: Document | None
    """The UBL that will be sent (the source itself for XML input); None when rejected."""
    analysis: Analysis

    @property
    def accepted(self) -> bool:
        return self.exchange.state != State.REJECTED.value


class OutboundPipeline:
    def __init__(self, db: Database, analyzer: DocumentAnalyzer, *, clock: Clock,
                 signer: DocumentSigner | None = None) -> None:
        """`signer`: the gateway's document signer (None: no signing key configured)."""
        self.db = db
        self.analyzer = analyzer
        self.clock = clock
        self.signer = signer

    async def submit(
        self,
        *,
        receiver_id: str,
        raw: bytes,
        content_type: str | None,
        actor: str,
        declared_type: str | None = None,
        before_commit: BeforeCommit | None = None,
    ) -> OutboundResult:
        """Validate and queue one document for `receiver_id` (a partner id).

        `before_commit` runs in the transaction that stores the document and queues it, after
        both (the API stores its answer there: gateway.api.idempotent.complete_in). That
        transaction may be shared with concurrent submissions (gateway.db.group_commit), and
        re-run alone if another one of them fails: `before_commit` must write only through
        the session.
        """
        media_type = media_type_of(content_type)
        if declared_type is not None:
            REGISTRY.get(declared_type)
        async with self.db.read() as session:
            capabilities, policy = await _receiver_setup(session, receiver_id)
        self._check_signer(policy, receiver_id)
        analysis = await asyncio.to_thread(
            self.analyzer.analyze, raw, media_type, declared_type
        )
        _check_capability(analysis, capabilities, receiver_id)
        signed = await self._signed(policy, analysis)

        async def store_and_queue(session: AsyncSession) -> OutboundResult:
            result = await self._persist(session, receiver_id, raw, analysis, actor, signed)
            if before_commit is not None:
                await before_commit(session, result)
            return result

        # Concurrent submissions share a transaction (one commit, one audit append); the
        # answer comes after the commit, and a failing one is retried alone.
        result = await self.db.group_commit.run(store_and_queue)
        bind_exchange(result.exchange.id)
        self.analyzer.metrics.document(Direction.OUTBOUND.value, result.exchange.document_type,
                                       result.exchange.state)
        return result

    def _check_signer(self, policy: SigningPolicy, receiver_id: str) -> None:
        if policy.outbound is not SignatureMode.NONE and self.signer is None:
            raise ConfigurationError(
                f"partner {receiver_id} requires {policy.outbound.value} signed documents but "
                "the gateway has no signing key: set signing_key_file and signing_cert_file",
                code="signing-key-missing",
            )

    async def _signed(self, policy: SigningPolicy, analysis: Analysis) -> bytes | None:
        """The signed UBL to send, or None (no signature required, or the document rejected)."""
        if policy.outbound is SignatureMode.NONE or not analysis.accepted or analysis.xml is None:
            return None
        return await asyncio.to_thread(sign_outbound, policy, self.signer, analysis.xml)

    async def _persist(
        self, session: AsyncSession, receiver_id: str, raw: bytes, analysis: Analysis,
        actor: str, signed: bytes | None,
    ) -> OutboundResult:
        now = self.clock()
        message_id = new_id()
        source = (await documents_repo.store_document(
            session, direction=Direction.OUTBOUND.value, message_id=message_id, raw=raw,
            content_type=analysis.media_type, now=now, partner_id=receiver_id,
            document_type=analysis.document_type, canonical=analysis.canonical,
            findings=analysis.findings, fresh=True,
        )).document
        document = None
        if analysis.accepted:
            document = await self._wire_document(session, source, analysis, message_id, signed)
        exchange = await exchanges_repo.create_exchange(
            session, direction=Direction.OUTBOUND, message_id=message_id, now=now, actor=actor,
            partner_id=receiver_id, document_id=document.id if document else None,
            source_document_id=source.id, document_type=analysis.document_type,
        )
        if document is None:
            error = analysis.rejection()
            await exchanges_repo.transition(
                session, exchange, State.REJECTED, now=now, actor=actor,
                detail={"code": error.code,
                        "rule_ids": sorted({f.rule_id for f in analysis.report.fatal})},
            )
        else:
            await exchanges_repo.transition(
                session, exchange, State.VALIDATED, now=now, actor=actor,
                detail={"warnings": len(analysis.findings)},
            )
            await outbox.enqueue(session, exchange, now=now, actor=actor)
        return OutboundResult(exchange, source, document, analysis)

    async def _wire_document(
        self, session: AsyncSession, source: Document, analysis: Analysis, message_id: str,
        signed: bytes | None,
    ) -> Document:
        wire = signed if signed is not None else analysis.xml
        if wire is None or (signed is None and analysis.media_type == XML_MEDIA_TYPE):
            return source
        stored = await documents_repo.store_document(
            session, direction=Direction.OUTBOUND.value, message_id=message_id,
            raw=wire, content_type=XML_MEDIA_TYPE, now=self.clock(),
            partner_id=source.partner_id, document_type=analysis.document_type,
            canonical=analysis.canonical, findings=analysis.findings, fresh=True,
        )
        return stored.document


async def _receiver_setup(
    session: AsyncSession, receiver_id: str
) -> tuple[list[str], SigningPolicy]:
    """The receiver's capabilities and signing policy (Conflict when it is not active)."""
    partner = await partners_repo.get_partner(session, receiver_id)
    if partner.status != "active":
        raise Conflict(f"partner {receiver_id} is {partner.status}; nothing can be sent to it",
                       code="partner-not-active")
    return await partners_repo.capabilities(session, receiver_id), partner_policy(partner)


def _check_capability(analysis: Analysis, capabilities: list[str], receiver_id: str) -> None:
    """A partner that declared capabilities receives only those types (none declared: any)."""
    doc_type = analysis.document_type
    if not capabilities or doc_type is None or doc_type in capabilities or not analysis.accepted:
        return
    analysis.report.extend(Layer.RULES, [Finding(
        RULE_CAPABILITY, Severity.FATAL, Layer.RULES,
        f"partner {receiver_id} does not receive {doc_type} documents "
        f"(its capabilities: {', '.join(capabilities)})",
    )])
