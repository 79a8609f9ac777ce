"""Partners (tenants) and what belongs to them: identifiers, endpoints, certificates, API keys,
capabilities. Deleting a partner deletes these rows (ON DELETE CASCADE); documents and
exchanges keep their history (see documents.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db.base import HASH_LENGTH, ID_LENGTH, Base, JsonType, UtcDateTime, id_column

PARTNER_STATUSES = ("active", "suspended")


def partner_fk(*, nullable: bool = False, index: bool = True) -> Mapped[Any]:
    return mapped_column(
        String(ID_LENGTH),
        ForeignKey("partners.id", ondelete="CASCADE"),
        nullable=nullable,
        index=index,
    )


class Partner(Base):
    """A trading partner, and the tenant boundary of the partner API."""

    __tablename__ = "partners"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'suspended')", name="status"),
    )

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(200))
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    """Lower-case [a-z0-9]{2,16}; appears in the partner's API keys (gw_<prefix>_...)."""
    status: Mapped[str] = mapped_column(String(16), default="active")
    settings: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PartnerIdentifier(Base):
    """A participant identifier (ISO 6523 ICD scheme + value), e.g. 0088:7300010000001.

    `value` is the normalised form (see gateway.partners.identifiers); `value_key` its lower
    case, because Peppol participant identifier values compare case-insensitively.
    """

    __tablename__ = "partner_identifiers"
    __table_args__ = (UniqueConstraint("scheme", "value_key"),)

    id: Mapped[str] = id_column()
    partner_id: Mapped[str] = partner_fk()
    scheme: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(160))
    value_key: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PartnerEndpoint(Base):
    """Where and how to deliver to a partner: a transport name, a URL and transport settings."""

    __tablename__ = "partner_endpoints"

    id: Mapped[str] = id_column()
    partner_id: Mapped[str] = partner_fk()
    transport: Mapped[str] = mapped_column(String(32))
    url: Mapped[str | None] = mapped_column(String(2048))
    settings: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PartnerCertificate(Base):
    """An uploaded X.509 certificate (PEM) with the fields parsed from it."""

    __tablename__ = "partner_certificates"
    __table_args__ = (UniqueConstraint("partner_id", "fingerprint_sha256"),)

    id: Mapped[str] = id_column()
    partner_id: Mapped[str] = partner_fk()
    purpose: Mapped[str] = mapped_column(String(32))
    pem: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(Text)
    serial_number: Mapped[str] = mapped_column(String(64))
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)
    not_after: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    fingerprint_sha256: Mapped[str] = mapped_column(String(HASH_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApiKey(Base):
    """A partner API key. Only a hash of the secret is stored; the key is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[str] = id_column()
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    partner_id: Mapped[str] = partner_fk()
    label: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PartnerCapability(Base):
    """A document type (registry key) the partner can receive."""

    __tablename__ = "partner_capabilities"
    __table_args__ = (UniqueConstraint("partner_id", "document_type"),)

    id: Mapped[str] = id_column()
    partner_id: Mapped[str] = partner_fk(index=False)
    document_type: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
