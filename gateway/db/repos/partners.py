"""Partners (tenants), their participant identifiers, endpoints and capabilities.

Every change is audited (actor, what, when) in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import audit
from gateway.db.base import require_aware
from gateway.db.repos._common import insert_or_existing, page
from gateway.db.tables.partners import (
    PARTNER_STATUSES,
    Partner,
    PartnerCapability,
    PartnerEndpoint,
    PartnerIdentifier,
)
from gateway.documents.registry import REGISTRY
from gateway.errors import Conflict, InputError, NotFound
from gateway.partners.api_keys import check_partner_prefix
from gateway.partners.identifiers import ParticipantId, parse_participant_id
from gateway.partners.signing import check_partner_settings

_TRANSPORT_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")


def _audit(
    session: AsyncSession, *, actor: str, action: str, partner_id: str, now: datetime,
    data: Mapping[str, Any] | None = None,
) -> None:
    audit.record(session, actor=actor, action=action, subject_type="partner",
                 subject_id=partner_id, at=now, data=data)


# --- partners ---------------------------------------------------------------------------------


async def create_partner(
    session: AsyncSession,
    *,
    name: str,
    key_prefix: str,
    now: datetime,
    actor: str,
    settings: Mapping[str, Any] | None = None,
) -> Partner:
    """A new active partner. `key_prefix` (unique) appears in its API keys: gw_<prefix>_..."""
    check_partner_prefix(key_prefix)
    check_partner_settings(settings)
    if not name.strip():
        raise InputError("partner name must not be empty")
    now = require_aware(now, "now")
    partner = Partner(name=name.strip(), key_prefix=key_prefix, status="active",
                      settings=dict(settings or {}), created_at=now, updated_at=now)

    async def existing() -> Partner | None:
        return await get_partner_by_prefix(session, key_prefix)

    stored, created = await insert_or_existing(session, partner, existing)
    if not created:
        raise Conflict(f"partner key prefix {key_prefix!r} is already used by {stored.name!r}")
    _audit(session, actor=actor, action="partner.created", partner_id=partner.id, now=now,
           data={"name": partner.name, "key_prefix": key_prefix})
    return partner


async def get_partner(session: AsyncSession, partner_id: str) -> Partner:
    partner = await session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(f"partner {partner_id} not found")
    return partner


async def get_partner_by_prefix(session: AsyncSession, key_prefix: str) -> Partner | None:
    stmt = select(Partner).where(Partner.key_prefix == key_prefix)
    return (await session.scalars(stmt)).one_or_none()


async def list_partners(
    session: AsyncSession, *, status: str | None = None, after: str | None = None, limit: int = 100
) -> Sequence[Partner]:
    stmt = select(Partner)
    if status is not None:
        stmt = stmt.where(Partner.status == status)
    return (await session.scalars(page(stmt, Partner.id, after=after, limit=limit))).all()


async def set_partner_status(
    session: AsyncSession, partner_id: str, status: str, *, now: datetime, actor: str
) -> Partner:
    """"active" or "suspended" (a suspended partner's API keys stop working)."""
    if status not in PARTNER_STATUSES:
        raise InputError(f"partner status must be one of {', '.join(PARTNER_STATUSES)}")
    partner = await get_partner(session, partner_id)
    previous, partner.status = partner.status, status
    partner.updated_at = require_aware(now, "now")
    await session.flush()
    _audit(session, actor=actor, action="partner.status", partner_id=partner_id, now=now,
           data={"from": previous, "to": status})
    return partner


async def set_partner_settings(
    session: AsyncSession, partner_id: str, settings: Mapping[str, Any], *, now: datetime,
    actor: str,
) -> Partner:
    """Replace the partner's settings (its ``signing`` policy is checked first; audited)."""
    check_partner_settings(settings)
    partner = await get_partner(session, partner_id)
    partner.settings = dict(settings)
    partner.updated_at = require_aware(now, "now")
    await session.flush()
    _audit(session, actor=actor, action="partner.settings", partner_id=partner_id, now=now,
           data={"keys": sorted(settings)})
    return partner


async def rename_partner(
    session: AsyncSession, partner_id: str, name: str, *, now: datetime, actor: str
) -> Partner:
    """Change the display name (audited); the key prefix never changes (it is in the keys)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InputError("partner name must be 1 to 200 characters")
    partner = await get_partner(session, partner_id)
    if partner.name == name:
        return partner
    previous, partner.name = partner.name, name
    partner.updated_at = require_aware(now, "now")
    await session.flush()
    _audit(session, actor=actor, action="partner.renamed", partner_id=partner_id, now=now,
           data={"from": previous, "to": name})
    return partner


# --- identifiers ------------------------------------------------------------------------------


def _participant(identifier: str | ParticipantId) -> ParticipantId:
    return identifier if isinstance(identifier, ParticipantId) else parse_participant_id(identifier)


async def add_identifier(
    session: AsyncSession,
    partner_id: str,
    identifier: str | ParticipantId,
    *,
    now: datetime,
    actor: str,
) -> PartnerIdentifier:
    """Attach a participant identifier (validated per scheme).

    Conflict if another partner has it; attaching it again to the same partner is a no-op.
    """
    participant = _participant(identifier)
    await get_partner(session, partner_id)
    now = require_aware(now, "now")
    row = PartnerIdentifier(partner_id=partner_id, scheme=participant.scheme,
                            value=participant.value, value_key=participant.value.lower(),
                            created_at=now)

    async def existing() -> PartnerIdentifier | None:
        return await _find_identifier(session, participant)

    stored, created = await insert_or_existing(session, row, existing)
    if not created:
        if stored.partner_id != partner_id:
            raise Conflict(f"participant identifier {participant} belongs to another partner")
        return stored
    _audit(session, actor=actor, action="partner.identifier.added", partner_id=partner_id,
           now=now, data={"identifier": str(participant)})
    return stored


async def _find_identifier(
    session: AsyncSession, participant: ParticipantId
) -> PartnerIdentifier | None:
    stmt = select(PartnerIdentifier).where(
        PartnerIdentifier.scheme == participant.scheme,
        PartnerIdentifier.value_key == participant.value.lower(),
    )
    return (await session.scalars(stmt)).one_or_none()


async def remove_identifier(
    session: AsyncSession,
    partner_id: str,
    identifier: str | ParticipantId,
    *,
    now: datetime,
    actor: str,
) -> None:
    participant = _participant(identifier)
    row = await _find_identifier(session, participant)
    if row is None or row.partner_id != partner_id:
        raise NotFound(f"partner {partner_id} has no identifier {participant}")
    await session.delete(row)
    await session.flush()
    _audit(session, actor=actor, action="partner.identifier.removed", partner_id=partner_id,
           now=require_aware(now, "now"), data={"identifier": str(participant)})


async def list_identifiers(session: AsyncSession, partner_id: str) -> Sequence[PartnerIdentifier]:
    stmt = select(PartnerIdentifier).where(PartnerIdentifier.partner_id == partner_id)
    return (await session.scalars(stmt.order_by(PartnerIdentifier.id))).all()


async def find_partner_by_identifier(
    session: AsyncSession, identifier: str | ParticipantId
) -> Partner | None:
    """The partner owning a participant identifier (case-insensitive), e.g. an inbound sender."""
    row = await _find_identifier(session, _participant(identifier))
    return None if row is None else await session.get(Partner, row.partner_id)


# --- endpoints --------------------------------------------------------------------------------


def _check_endpoint(transport: str, url: str | None) -> None:
    if not transport or not set(transport) <= _TRANSPORT_NAME_CHARS or len(transport) > 32:
        raise InputError(f"transport name {transport!r} must be 1-32 characters of a-z 0-9 _ -")
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise InputError(f"endpoint URL {url!r} must be an absolute http(s) URL")


async def add_endpoint(
    session: AsyncSession,
    partner_id: str,
    *,
    transport: str,
    now: datetime,
    actor: str,
    url: str | None = None,
    settings: Mapping[str, Any] | None = None,
    priority: int = 0,
    enabled: bool = True,
) -> PartnerEndpoint:
    """A delivery endpoint: transport name (e.g. "http", "peppol_as4"), URL, settings.

    `url` may be None when the transport finds it itself (Peppol SMP discovery).
    Lower `priority` is tried first.
    """
    _check_endpoint(transport, url)
    await get_partner(session, partner_id)
    now = require_aware(now, "now")
    endpoint = PartnerEndpoint(partner_id=partner_id, transport=transport, url=url,
                               settings=dict(settings or {}), priority=priority, enabled=enabled,
                               created_at=now, updated_at=now)
    session.add(endpoint)
    await session.flush()
    _audit(session, actor=actor, action="partner.endpoint.added", partner_id=partner_id, now=now,
           data={"endpoint_id": endpoint.id, "transport": transport, "url": url})
    return endpoint


async def update_endpoint(
    session: AsyncSession,
    endpoint_id: str,
    *,
    now: datetime,
    actor: str,
    url: str | None = None,
    settings: Mapping[str, Any] | None = None,
    priority: int | None = None,
    enabled: bool | None = None,
) -> PartnerEndpoint:
    endpoint = await session.get(PartnerEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(f"endpoint {endpoint_id} not found")
    if url is not None:
        _check_endpoint(endpoint.transport, url)
        endpoint.url = url
    if settings is not None:
        endpoint.settings = dict(settings)
    if priority is not None:
        endpoint.priority = priority
    if enabled is not None:
        endpoint.enabled = enabled
    endpoint.updated_at = require_aware(now, "now")
    await session.flush()
    _audit(session, actor=actor, action="partner.endpoint.updated",
           partner_id=endpoint.partner_id, now=now,
           data={"endpoint_id": endpoint_id, "url": endpoint.url, "enabled": endpoint.enabled,
                 "priority": endpoint.priority})
    return endpoint


async def list_endpoints(
    session: AsyncSession, partner_id: str, *, enabled_only: bool = False
) -> Sequence[PartnerEndpoint]:
    """The partner's endpoints, in priority order (lowest first)."""
    stmt = select(PartnerEndpoint).where(PartnerEndpoint.partner_id == partner_id)
    if enabled_only:
        stmt = stmt.where(PartnerEndpoint.enabled.is_(True))
    return (await session.scalars(
        stmt.order_by(PartnerEndpoint.priority, PartnerEndpoint.id)
    )).all()


# --- capabilities -----------------------------------------------------------------------------


def _document_type_keys(document_types: Iterable[str]) -> list[str]:
    keys = sorted(set(document_types))
    for key in keys:
        REGISTRY.get(key)  # UnsupportedDocumentError naming the known keys
    return keys


async def set_capabilities(
    session: AsyncSession,
    partner_id: str,
    document_types: Iterable[str],
    *,
    now: datetime,
    actor: str,
) -> list[str]:
    """Replace the document types (registry keys) the partner can receive."""
    keys = _document_type_keys(document_types)
    await get_partner(session, partner_id)
    now = require_aware(now, "now")
    before = await capabilities(session, partner_id)
    await session.execute(
        delete(PartnerCapability).where(PartnerCapability.partner_id == partner_id)
    )
    session.add_all(PartnerCapability(partner_id=partner_id, document_type=key, created_at=now)
                    for key in keys)
    await session.flush()
    _audit(session, actor=actor, action="partner.capabilities", partner_id=partner_id, now=now,
           data={"from": list(before), "to": keys})
    return keys


async def capabilities(session: AsyncSession, partner_id: str) -> list[str]:
    stmt = select(PartnerCapability.document_type).where(
        PartnerCapability.partner_id == partner_id
    )
    return sorted((await session.scalars(stmt)).all())


async def can_receive(session: AsyncSession, partner_id: str, document_type: str) -> bool:
    stmt = select(PartnerCapability.id).where(
        PartnerCapability.partner_id == partner_id,
        PartnerCapability.document_type == document_type,
    )
    return (await session.scalars(stmt.limit(1))).first() is not None
