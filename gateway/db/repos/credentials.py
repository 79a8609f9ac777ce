"""Partner certificates and API keys.

API keys: `create_api_key` returns the key once (only its hash is stored); the partner API
authenticates a request with `authenticate_api_key`, which yields the partner the key is
scoped to, or raises Unauthorized with the same message for every failure (unknown, wrong,
revoked, suspended partner) so that answers do not help guessing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import audit
from gateway.db.base import require_aware
from gateway.db.repos._common import insert_or_existing
from gateway.db.repos.partners import get_partner
from gateway.db.tables.partners import ApiKey, Partner, PartnerCertificate
from gateway.errors import Conflict, InputError, NotFound, Unauthorized
from gateway.partners import api_keys
from gateway.partners.certificates import DEFAULT_WARNING_WINDOW, parse_pem

CERTIFICATE_PURPOSES = ("signing", "encryption", "tls", "as4")
# last_used_at is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


# --- certificates -----------------------------------------------------------------------------


async def add_certificate(
    session: AsyncSession,
    partner_id: str,
    pem: bytes | str,
    *,
    purpose: str,
    now: datetime,
    actor: str,
) -> PartnerCertificate:
    """Parse and store a PEM certificate (the leaf of a chain); Conflict if already uploaded."""
    if purpose not in CERTIFICATE_PURPOSES:
        raise InputError(f"certificate purpose must be one of {', '.join(CERTIFICATE_PURPOSES)}")
    info = parse_pem(pem)
    await get_partner(session, partner_id)
    now = require_aware(now, "now")
    row = PartnerCertificate(
        partner_id=partner_id, purpose=purpose, pem=info.pem, subject=info.subject,
        issuer=info.issuer, serial_number=info.serial_number, not_before=info.not_before,
        not_after=info.not_after, fingerprint_sha256=info.fingerprint_sha256, created_at=now,
    )

    async def existing() -> PartnerCertificate | None:
        stmt = select(PartnerCertificate).where(
            PartnerCertificate.partner_id == partner_id,
            PartnerCertificate.fingerprint_sha256 == info.fingerprint_sha256,
        )
        return (await session.scalars(stmt)).one_or_none()

    stored, created = await insert_or_existing(session, row, existing)
    if not created:
        raise Conflict(f"certificate {info.fingerprint_sha256} is already registered "
                       f"for this partner (id {stored.id})")
    audit.record(session, actor=actor, action="partner.certificate.added",
                 subject_type="partner", subject_id=partner_id, at=now,
                 data={"certificate_id": row.id, "purpose": purpose, "subject": info.subject,
                       "fingerprint_sha256": info.fingerprint_sha256,
                       "not_after": info.not_after.isoformat()})
    return row


async def list_certificates(
    session: AsyncSession, partner_id: str, *, purpose: str | None = None
) -> Sequence[PartnerCertificate]:
    stmt = select(PartnerCertificate).where(PartnerCertificate.partner_id == partner_id)
    if purpose is not None:
        stmt = stmt.where(PartnerCertificate.purpose == purpose)
    return (await session.scalars(stmt.order_by(PartnerCertificate.not_after))).all()


async def expiring_certificates(
    session: AsyncSession, *, now: datetime, within: timedelta = DEFAULT_WARNING_WINDOW
) -> Sequence[PartnerCertificate]:
    """Certificates whose not_after is before now + `within` (expired ones included)."""
    limit = require_aware(now, "now") + within
    stmt = select(PartnerCertificate).where(PartnerCertificate.not_after <= limit)
    return (await session.scalars(stmt.order_by(PartnerCertificate.not_after))).all()


async def remove_certificate(
    session: AsyncSession, certificate_id: str, *, now: datetime, actor: str
) -> None:
    row = await session.get(PartnerCertificate, certificate_id)
    if row is None:
        raise NotFound(f"certificate {certificate_id} not found")
    await session.delete(row)
    await session.flush()
    audit.record(session, actor=actor, action="partner.certificate.removed",
                 subject_type="partner", subject_id=row.partner_id, at=now,
                 data={"certificate_id": certificate_id,
                       "fingerprint_sha256": row.fingerprint_sha256})


# --- API keys ---------------------------------------------------------------------------------


async def create_api_key(
    session: AsyncSession, partner_id: str, *, label: str, now: datetime, actor: str
) -> tuple[ApiKey, str]:
    """A new key for the partner: (the stored row, the key to show once)."""
    partner = await get_partner(session, partner_id)
    now = require_aware(now, "now")
    new = api_keys.generate(partner.key_prefix)
    row = ApiKey(key_id=new.key_id, partner_id=partner_id, label=label.strip() or "api key",
                 secret_hash=new.secret_hash, created_at=now)
    session.add(row)
    await session.flush()
    audit.record(session, actor=actor, action="partner.api_key.created", subject_type="partner",
                 subject_id=partner_id, at=now, data={"key_id": new.key_id, "label": row.label})
    return row, new.token


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a valid API key speaks for."""

    partner: Partner
    api_key: ApiKey


async def authenticate_api_key(
    session: AsyncSession, token: str, *, now: datetime, record_use: bool = True
) -> Principal:
    """The partner the presented key belongs to, or Unauthorized("invalid API key").

    With ``record_use=False`` nothing is written (a read-only session may be used); the
    caller then calls `record_api_key_use` in a write transaction when `needs_use_record`.
    """
    parsed = api_keys.parse(token)
    stmt = select(ApiKey, Partner).join(Partner, Partner.id == ApiKey.partner_id).where(
        ApiKey.key_id == parsed.key_id
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        api_keys.verify(parsed, "0" * 64)  # same work as a real check: no timing oracle
        raise Unauthorized("invalid API key")
    key, partner = row
    valid = api_keys.verify(parsed, key.secret_hash)
    if (not valid or key.revoked_at is not None or partner.status != "active"
            or partner.key_prefix != parsed.partner_prefix):
        raise Unauthorized("invalid API key")
    now = require_aware(now, "now")
    if record_use and needs_use_record(key, now):
        key.last_used_at = now
        await session.flush()
    return Principal(partner=partner, api_key=key)


def needs_use_record(key: ApiKey, now: datetime) -> bool:
    """last_used_at is written at most every LAST_USED_RESOLUTION per key."""
    return key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION


async def record_api_key_use(session: AsyncSession, key_id: str, *, now: datetime) -> None:
    key = (await session.scalars(select(ApiKey).where(ApiKey.key_id == key_id))).one_or_none()
    if key is not None and needs_use_record(key, require_aware(now, "now")):
        key.last_used_at = now
        await session.flush()


async def revoke_api_key(
    session: AsyncSession,
    key_id: str,
    *,
    now: datetime,
    actor: str,
    partner_id: str | None = None,
) -> ApiKey:
    """Revoke a key (by its key id); with `partner_id`, only that partner's key."""
    key = (await session.scalars(select(ApiKey).where(ApiKey.key_id == key_id))).one_or_none()
    if key is None or (partner_id is not None and key.partner_id != partner_id):
        raise NotFound(f"API key {key_id} not found")
    if key.revoked_at is None:
        key.revoked_at = require_aware(now, "now")
        await session.flush()
        audit.record(session, actor=actor, action="partner.api_key.revoked",
                     subject_type="partner", subject_id=key.partner_id, at=now,
                     data={"key_id": key_id})
    return key


async def list_api_keys(session: AsyncSession, partner_id: str) -> Sequence[ApiKey]:
    stmt = select(ApiKey).where(ApiKey.partner_id == partner_id)
    return (await session.scalars(stmt.order_by(ApiKey.id))).all()
