"""Documents: raw bytes exactly as received or sent, their SHA-256, type, canonical JSON, findings.

The raw bytes are never changed after the insert; `record_analysis` fills in what was learnt
by reading and validating them (type, canonical JSON, findings).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from gateway.db.base import require_aware
from gateway.db.repos._common import insert_or_existing, page
from gateway.db.tables.documents import DIRECTIONS, MESSAGE_ID_LENGTH, Document
from gateway.errors import InputError, NotFound
from gateway.findings import Finding

FindingLike = Finding | Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """The stored document; `duplicate` when the same one (partner, direction, message id,
    SHA-256) was stored before, in which case `document` is that first copy."""

    document: Document
    duplicate: bool


def sha256_hex(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def findings_json(findings: Iterable[FindingLike]) -> list[dict[str, Any]]:
    return [f.to_dict() if isinstance(f, Finding) else dict(f) for f in findings]


def _check(direction: str, message_id: str) -> None:
    if direction not in DIRECTIONS:
        raise InputError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    if not message_id or len(message_id) > MESSAGE_ID_LENGTH:
        raise InputError(f"message id must be 1-{MESSAGE_ID_LENGTH} characters")


async def store_document(
    session: AsyncSession,
    *,
    direction: str,
    message_id: str,
    raw: bytes,
    content_type: str,
    now: datetime,
    partner_id: str | None = None,
    document_type: str | None = None,
    canonical: Mapping[str, Any] | None = None,
    findings: Iterable[FindingLike] = (),
) -> StoredDocument:
    """Store `raw` byte-exact, or return the first copy when it is a duplicate.

    The de-duplication key is (partner, direction, message id, SHA-256), a unique key, so
    concurrent receptions of the same message store it once. Documents without a partner are
    checked by lookup only.
    """
    _check(direction, message_id)
    digest = sha256_hex(raw)
    row = Document(
        partner_id=partner_id, direction=direction, message_id=message_id,
        content_type=content_type, raw=bytes(raw), sha256=digest, size=len(raw),
        document_type=document_type, canonical=dict(canonical) if canonical is not None else None,
        findings=findings_json(findings), created_at=require_aware(now, "now"),
    )

    async def existing() -> Document | None:
        return await find_duplicate(
            session, partner_id=partner_id, direction=direction, message_id=message_id,
            sha256=digest,
        )

    document, created = await insert_or_existing(session, row, existing)
    return StoredDocument(document=document, duplicate=not created)


async def find_duplicate(
    session: AsyncSession,
    *,
    partner_id: str | None,
    direction: str,
    message_id: str,
    sha256: str,
) -> Document | None:
    partner_match = (
        Document.partner_id.is_(None) if partner_id is None else Document.partner_id == partner_id
    )
    stmt = select(Document).where(
        partner_match, Document.direction == direction, Document.message_id == message_id,
        Document.sha256 == sha256,
    ).order_by(Document.id).limit(1)
    return (await session.scalars(stmt)).first()


async def get_document(
    session: AsyncSession, document_id: str, *, partner_id: str | None = None
) -> Document:
    """The document with its raw bytes; with `partner_id`, only if it is that partner's.


    Tenant isolation: another partner's document is reported as not found, so that its
    existence does not leak.
    """
    stmt = select(Document).where(Document.id == document_id).options(undefer(Document.raw))
    document = (
        await session.scalars(stmt.execution_options(populate_existing=True))
    ).one_or_none()
    if document is None or (partner_id is not None and document.partner_id != partner_id):
        raise NotFound(f"document {document_id} not found")
    return document


async def find_by_message_id(
    session: AsyncSession, *, message_id: str, partner_id: str | None = None,
    direction: str | None = None,
) -> Sequence[Document]:
    stmt = select(Document).where(Document.message_id == message_id)
    if partner_id is not None:
        stmt = stmt.where(Document.partner_id == partner_id)
    if direction is not None:
        stmt = stmt.where(Document.direction == direction)
    return (await session.scalars(stmt.order_by(Document.id))).all()


async def record_analysis(
    session: AsyncSession,
    document: Document,
    *,
    document_type: str | None = None,
    canonical: Mapping[str, Any] | None = None,
    findings: Iterable[FindingLike] | None = None,
) -> Document:
    """Record what reading/validating the bytes found. The bytes themselves never change."""
    if document_type is not None:
        document.document_type = document_type
    if canonical is not None:
        document.canonical = dict(canonical)
    if findings is not None:
        document.findings = findings_json(findings)
    await session.flush()
    return document


async def list_documents(
    session: AsyncSession,
    *,
    partner_id: str | None = None,
    direction: str | None = None,
    document_type: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Sequence[Document]:
    """A page in creation order; pass the last id as `after` for the next page."""
    stmt = select(Document)
    if partner_id is not None:
        stmt = stmt.where(Document.partner_id == partner_id)
    if direction is not None:
        stmt = stmt.where(Document.direction == direction)
    if document_type is not None:
        stmt = stmt.where(Document.document_type == document_type)
    return (await session.scalars(page(stmt, Document.id, after=after, limit=limit))).all()
