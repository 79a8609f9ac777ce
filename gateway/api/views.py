"""JSON views of stored rows, the shapes declared in gateway.api.schemas."""

from __future__ import annotations

from typing import Any

from gateway.api.http import iso
from gateway.db.tables.audit import AuditEntry
from gateway.db.tables.documents import Document
from gateway.db.tables.exchanges import Acknowledgement, Exchange, ExchangeEvent
from gateway.db.tables.partners import (
    ApiKey,
    Partner,
    PartnerCertificate,
    PartnerEndpoint,
    PartnerIdentifier,
)
from gateway.db.tables.webhooks import WebhookDelivery, WebhookSubscription
from gateway.findings import Severity


def document_links(prefix: str, document_id: str) -> dict[str, str]:
    base = f"{prefix}/documents/{document_id}"
    return {"self": base, "xml": f"{base}/xml", "json": f"{base}/json",
            "findings": f"{base}/findings", "events": f"{base}/events"}


def document_view(
    document: Document, exchange: Exchange | None, *, prefix: str
) -> dict[str, Any]:
    return {
        "id": document.id,
        "direction": document.direction,
        "partner_id": document.partner_id,
        "document_type": document.document_type,
        "message_id": document.message_id,
        "content_type": document.content_type,
        "sha256": document.sha256,
        "size": document.size,
        "created_at": iso(document.created_at),
        "exchange_id": exchange.id if exchange else None,
        "state": exchange.state if exchange else None,
        "valid": not any(f.get("severity") == Severity.FATAL.value for f in document.findings),
        "findings": document.findings,
        "links": document_links(prefix, document.id),
    }


def exchange_view(exchange: Exchange) -> dict[str, Any]:
    return {
        "id": exchange.id,
        "direction": exchange.direction,
        "state": exchange.state,
        "partner_id": exchange.partner_id,
        "document_type": exchange.document_type,
        "message_id": exchange.message_id,
        "document_id": exchange.document_id,
        "source_document_id": exchange.source_document_id,
        "attempts": exchange.attempts,
        "next_attempt_at": iso(exchange.next_attempt_at),
        "last_error": exchange.last_error,
        "version": exchange.version,
        "created_at": iso(exchange.created_at),
        "updated_at": iso(exchange.updated_at),
    }


def event_view(event: ExchangeEvent) -> dict[str, Any]:
    return {
        "version": event.version,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "at": iso(event.at),
        "actor": event.actor,
        "detail": event.detail,
    }


def acknowledgement_view(ack: Acknowledgement) -> dict[str, Any]:
    return {
        "id": ack.id,
        "kind": ack.kind,
        "direction": ack.direction,
        "status": ack.status,
        "document_id": ack.document_id,
        "detail": ack.detail,
        "created_at": iso(ack.created_at),
    }


def partner_view(partner: Partner) -> dict[str, Any]:
    return {
        "id": partner.id,
        "name": partner.name,
        "key_prefix": partner.key_prefix,
        "status": partner.status,
        "settings": partner.settings,
        "created_at": iso(partner.created_at),
        "updated_at": iso(partner.updated_at),
    }


def identifier_view(identifier: PartnerIdentifier) -> dict[str, Any]:
    return {
        "id": identifier.id,
        "scheme": identifier.scheme,
        "value": identifier.value,
        "identifier": f"{identifier.scheme}:{identifier.value}",
        "created_at": iso(identifier.created_at),
    }


def endpoint_view(endpoint: PartnerEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "partner_id": endpoint.partner_id,
        "transport": endpoint.transport,
        "url": endpoint.url,
        "settings": endpoint.settings,
        "priority": endpoint.priority,
        "enabled": endpoint.enabled,
        "created_at": iso(endpoint.created_at),
        "updated_at": iso(endpoint.updated_at),
    }


def certificate_view(certificate: PartnerCertificate) -> dict[str, Any]:
    return {
        "id": certificate.id,
        "partner_id": certificate.partner_id,
        "purpose": certificate.purpose,
        "subject": certificate.subject,
        "issuer": certificate.issuer,
        "serial_number": certificate.serial_number,
        "not_before": iso(certificate.not_before),
        "not_after": iso(certificate.not_after),
        "fingerprint_sha256": certificate.fingerprint_sha256,
        "created_at": iso(certificate.created_at),
    }


def api_key_view(key: ApiKey) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "partner_id": key.partner_id,
        "label": key.label,
        "created_at": iso(key.created_at),
        "last_used_at": iso(key.last_used_at),
        "revoked_at": iso(key.revoked_at),
    }


def subscription_view(subscription: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": subscription.id,
        "partner_id": subscription.partner_id,
        "url": subscription.url,
        "event_types": subscription.event_types,
        "signing_keys": subscription.signing_keys,
        "active": subscription.active,
        "created_at": iso(subscription.created_at),
        "updated_at": iso(subscription.updated_at),
    }


def delivery_view(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "subscription_id": delivery.subscription_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": iso(delivery.next_attempt_at),
        "last_error": delivery.last_error,
        "response_status": delivery.response_status,
        "created_at": iso(delivery.created_at),
        "delivered_at": iso(delivery.delivered_at),
    }


def audit_entry_view(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": iso(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "entry_hash": entry.entry_hash,
    }
