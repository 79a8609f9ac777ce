"""Every table of the gateway; importing this package completes `Base.metadata`."""

from gateway.db.tables.admin import AdminSession, AdminUser
from gateway.db.tables.audit import AuditEntry
from gateway.db.tables.documents import Document
from gateway.db.tables.exchanges import Acknowledgement, Exchange, ExchangeEvent
from gateway.db.tables.idempotency import IdempotencyKey
from gateway.db.tables.partners import (
    ApiKey,
    Partner,
    PartnerCapability,
    PartnerCertificate,
    PartnerEndpoint,
    PartnerIdentifier,
)
from gateway.db.tables.remittance import (
    OpenItemRow,
    PayerIdentity,
    RemittanceFile,
    RemittanceLineRow,
)
from gateway.db.tables.webhooks import WebhookDelivery, WebhookSubscription

__all__ = [
    "Acknowledgement",
    "AdminSession",
    "AdminUser",
    "ApiKey",
    "AuditEntry",
    "Document",
    "Exchange",
    "ExchangeEvent",
    "IdempotencyKey",
    "OpenItemRow",
    "Partner",
    "PartnerCapability",
    "PartnerCertificate",
    "PartnerEndpoint",
    "PartnerIdentifier",
    "PayerIdentity",
    "RemittanceFile",
    "RemittanceLineRow",
    "WebhookDelivery",
    "WebhookSubscription",
]
