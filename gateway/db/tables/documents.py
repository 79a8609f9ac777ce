"""Documents: the raw bytes exactly as received or sent, with their SHA-256.

The unique key (partner, direction, message id, SHA-256) is the inbound de-duplication key:
a partner re-sending the same message (same id, same bytes) finds the first copy. The partner
reference is SET NULL on delete, so removing a partner never erases what was exchanged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db.base import HASH_LENGTH, ID_LENGTH, Base, JsonType, UtcDateTime, id_column

DIRECTIONS = ("inbound", "outbound")
DIRECTION_CHECK = "direction IN ('inbound', 'outbound')"
MESSAGE_ID_LENGTH = 255


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("partner_id", "direction", "message_id", "sha256"),
        CheckConstraint(DIRECTION_CHECK, name="direction"),
    )

    id: Mapped[str] = id_column()
    partner_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("partners.id", ondelete="SET NULL"), index=True
    )
    direction: Mapped[str] = mapped_column(String(8))
    document_type: Mapped[str | None] = mapped_column(String(64))
    """Registry key (gateway.documents.registry), None while the type is not known."""
    message_id: Mapped[str] = mapped_column(String(MESSAGE_ID_LENGTH), index=True)
    content_type: Mapped[str] = mapped_column(String(100))
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)
    """Loaded only on request (repos.documents.get_document), never by lists."""
    sha256: Mapped[str] = mapped_column(String(HASH_LENGTH))
    size: Mapped[int] = mapped_column(Integer)
    canonical: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    """The canonical JSON of the document (model_dump(mode="json")), when it could be read."""
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    """Finding.to_dict() entries from validation."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
