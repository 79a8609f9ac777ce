"""JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of every API body, by component name.

They describe what gateway.api.views produces and what the handlers accept; the integration
tests validate real responses against them, so they stay true.
"""

from __future__ import annotations

from typing import Any

from gateway.api.spec import Schema, ref

STR: Schema = {"type": "string"}
STR_OR_NULL: Schema = {"type": ["string", "null"]}
TIME: Schema = {"type": "string", "format": "date-time"}
TIME_OR_NULL: Schema = {"type": ["string", "null"], "format": "date-time"}
INT: Schema = {"type": "integer"}
INT_OR_NULL: Schema = {"type": ["integer", "null"]}
BOOL: Schema = {"type": "boolean"}
OBJECT: Schema = {"type": "object"}


def obj(properties: dict[str, Schema], *, required: tuple[str, ...] | None = None,
        closed: bool = True, description: str = "") -> Schema:
    """An object schema; by default every listed property is required and no other allowed."""
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties if required is None else required),
    }
    if closed:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


FINDING = obj({
    "rule_id": STR, "severity": {"enum": ["fatal", "warning", "info"]},
    "layer": {"enum": ["parse", "model", "xsd", "schematron", "rules"]},
    "message": STR, "xpath": STR_OR_NULL, "json_pointer": STR_OR_NULL, "bt": STR_OR_NULL,
}, description="One validation result; rule_id is the official rule id where one exists.")

PROBLEM = obj({
    "type": STR, "title": STR, "status": INT, "detail": STR, "code": STR, "instance": STR,
    "request_id": STR, "findings": {"type": "array", "items": ref("Finding")},
    "document_id": STR, "exchange_id": STR, "state": STR,
}, required=("type", "title", "status", "detail", "code"), closed=False,
    description="RFC 9457 problem details; `code` is stable, `findings` say what failed where.")

DOCUMENT = obj({
    "id": STR, "direction": {"enum": ["inbound", "outbound"]}, "partner_id": STR_OR_NULL,
    "document_type": STR_OR_NULL, "message_id": STR, "content_type": STR,
    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "size": INT,
    "created_at": TIME, "exchange_id": STR_OR_NULL, "state": STR_OR_NULL, "valid": BOOL,
    "findings": {"type": "array", "items": ref("Finding")},
    "links": {"type": "object", "additionalProperties": STR},
    "duplicate": BOOL,
}, required=("id", "direction", "partner_id", "document_type", "message_id", "content_type",
             "sha256", "size", "created_at", "exchange_id", "state", "valid", "findings",
             "links"))

DOCUMENT_FINDINGS = obj({
    "document_id": STR, "document_type": STR_OR_NULL, "valid": BOOL,
    "findings": {"type": "array", "items": ref("Finding")},
})

EXCHANGE_EVENT = obj({
    "version": INT, "from_state": STR_OR_NULL, "to_state": STR, "at": TIME, "actor": STR,
    "detail": OBJECT,
})

ACKNOWLEDGEMENT = obj({
    "id": STR, "kind": STR, "direction": STR, "status": STR_OR_NULL,
    "document_id": STR_OR_NULL, "detail": OBJECT, "created_at": TIME,
})

DOCUMENT_EVENTS = obj({
    "document_id": STR, "exchange_id": STR_OR_NULL, "state": STR_OR_NULL,
    "events": {"type": "array", "items": ref("ExchangeEvent")},
    "acknowledgements": {"type": "array", "items": ref("Acknowledgement")},
})

EXCHANGE = obj({
    "id": STR, "direction": {"enum": ["inbound", "outbound"]}, "state": STR,
    "partner_id": STR_OR_NULL, "document_type": STR_OR_NULL, "message_id": STR,
    "document_id": STR_OR_NULL, "source_document_id": STR_OR_NULL, "attempts": INT,
    "next_attempt_at": TIME_OR_NULL, "last_error": STR_OR_NULL, "version": INT,
    "created_at": TIME, "updated_at": TIME,
    "events": {"type": "array", "items": ref("ExchangeEvent")},
    "acknowledgements": {"type": "array", "items": ref("Acknowledgement")},
}, required=("id", "direction", "state", "partner_id", "document_type", "message_id",
             "document_id", "source_document_id", "attempts", "next_attempt_at", "last_error",
             "version", "created_at", "updated_at"))

OUTBOUND_ACCEPTED = obj({
    "exchange_id": STR, "message_id": STR, "state": STR, "partner_id": STR,
    "document_type": STR_OR_NULL, "document_id": STR_OR_NULL, "source_document_id": STR,
    "findings": {"type": "array", "items": ref("Finding")},
    "links": {"type": "object", "additionalProperties": STR},
})

INBOX_ITEM = obj({
    "exchange_id": STR, "document_id": STR_OR_NULL, "document_type": STR_OR_NULL,
    "message_id": STR, "partner_id": STR_OR_NULL, "state": STR, "available_at": TIME,
    "links": {"type": "object", "additionalProperties": STR},
})

INBOX_ACK = obj({"exchange_id": STR, "state": STR, "acknowledged": BOOL})

PARTNER = obj({
    "id": STR, "name": STR, "key_prefix": STR, "status": {"enum": ["active", "suspended"]},
    "settings": OBJECT, "created_at": TIME, "updated_at": TIME,
})

IDENTIFIER = obj({"id": STR, "scheme": STR, "value": STR, "identifier": STR,
                  "created_at": TIME})

ENDPOINT = obj({
    "id": STR, "partner_id": STR, "transport": STR, "url": STR_OR_NULL, "settings": OBJECT,
    "priority": INT, "enabled": BOOL, "created_at": TIME, "updated_at": TIME,
})

CERTIFICATE = obj({
    "id": STR, "partner_id": STR, "purpose": STR, "subject": STR, "issuer": STR,
    "serial_number": STR, "not_before": TIME, "not_after": TIME,
    "fingerprint_sha256": STR, "created_at": TIME,
})

OWN_CERTIFICATE = obj({
    "role": STR, "file": STR, "subject": STR, "issuer": STR, "not_after": TIME,
    "days_left": {"type": "integer"},
    "status": {"type": "string",
               "enum": ["valid", "expiring", "expired", "not_yet_valid", "unreadable"]},
    "problem": STR,
}, required=("role", "file", "status"))

API_KEY = obj({
    "key_id": STR, "partner_id": STR, "label": STR, "created_at": TIME,
    "last_used_at": TIME_OR_NULL, "revoked_at": TIME_OR_NULL,
    "api_key": {"type": "string", "description": "The key itself: shown once, at creation."},
}, required=("key_id", "partner_id", "label", "created_at", "last_used_at", "revoked_at"))

CAPABILITIES = obj({"partner_id": STR, "document_types": {"type": "array", "items": STR}})

SIGNING_KEY_REF = obj({"key_id": STR, "secret_ref": {"type": "string",
                                                     "pattern": "^(env|file):.+"}})

SUBSCRIPTION = obj({
    "id": STR, "partner_id": STR_OR_NULL, "url": STR,
    "event_types": {"type": "array", "items": STR},
    "signing_keys": {"type": "array", "items": ref("SigningKeyRef")},
    "active": BOOL, "created_at": TIME, "updated_at": TIME,
})

DELIVERY = obj({
    "id": STR, "subscription_id": STR, "event_id": STR, "event_type": STR,
    "status": {"enum": ["pending", "delivering", "retry_wait", "delivered", "dead_letter"]},
    "attempts": INT, "next_attempt_at": TIME_OR_NULL, "last_error": STR_OR_NULL,
    "response_status": INT_OR_NULL, "created_at": TIME, "delivered_at": TIME_OR_NULL,
})

AUDIT_VERIFICATION = obj({
    "ok": BOOL, "entries": INT, "head_hash": STR, "broken_seq": INT_OR_NULL,
    "reason": STR_OR_NULL,
})

CHECKS = {"type": "object", "description": "Readiness checks by name (database, migrations, "
          "workers, artefacts).", "additionalProperties": obj({"ok": BOOL, "detail": STR})}
HEALTH = obj({"status": STR, "version": STR, "database": STR, "artefacts_version": STR_OR_NULL,
              "outbox_workers": INT, "webhook_workers": INT, "checks": CHECKS})
LIVENESS = obj({"status": {"const": "alive"}, "version": STR})

# --- request bodies -------------------------------------------------------------------------

SIGNING_POLICY = obj({
    "outbound": {"enum": ["none", "xmldsig", "xades-bes"],
                 "description": "signature added to documents sent to the partner"},
    "require_inbound": {"type": "boolean",
                        "description": "documents from the partner must be signed"},
    "accepted_kinds": {"type": "array", "items": {"enum": ["xmldsig", "xades-bes"]}},
}, required=())

PARTNER_SETTINGS = {
    "type": "object", "additionalProperties": True,
    "properties": {"signing": SIGNING_POLICY},
    "description": "Partner settings; 'signing' is its document-signing policy (docs/api.md).",
}

PARTNER_CREATE = obj({
    "name": STR, "key_prefix": {"type": "string", "pattern": "^[a-z0-9]{2,16}$"},
    "settings": PARTNER_SETTINGS,
}, required=("name", "key_prefix"))

PARTNER_UPDATE = obj({"status": {"enum": ["active", "suspended"]},
                      "settings": PARTNER_SETTINGS}, required=())

IDENTIFIER_CREATE = obj({"identifier": {
    "type": "string", "description": "ICD scheme and value, e.g. 0088:7300010000001"}})

ENDPOINT_CREATE = obj({
    "transport": {"type": "string", "description": "http, pull, or another registered one"},
    "url": STR_OR_NULL, "settings": OBJECT, "priority": INT, "enabled": BOOL,
}, required=("transport",))

ENDPOINT_UPDATE = obj({"url": STR, "settings": OBJECT, "priority": INT, "enabled": BOOL},
                      required=())

CERTIFICATE_CREATE = obj({"pem": STR, "purpose": {"enum": ["signing", "encryption", "tls",
                                                             "as4"]}})

API_KEY_CREATE = obj({"label": STR}, required=())

CAPABILITIES_UPDATE = obj({"document_types": {"type": "array", "items": STR}})

SUBSCRIPTION_CREATE = obj({
    "url": STR, "event_types": {"type": "array", "items": STR, "minItems": 1},
    "signing_keys": {"type": "array", "items": ref("SigningKeyRef"), "minItems": 1},
    "partner_id": STR_OR_NULL,
}, required=("url", "event_types", "signing_keys"))

SUBSCRIPTION_UPDATE = obj({"active": BOOL})

REPLAY = obj({"reason": STR}, required=())

CANONICAL_DOCUMENT: Schema = {
    "type": "object",
    "description": "The gateway's JSON of a document type (see `gateway schema`); amounts "
                   "are strings or integers, never JSON floats.",
}

UBL_DOCUMENT: Schema = {"type": "string", "description": "A UBL 2.1 document (Peppol BIS)."}

COMPONENTS: dict[str, Any] = {
    "Finding": FINDING,
    "Problem": PROBLEM,
    "Document": DOCUMENT,
    "DocumentFindings": DOCUMENT_FINDINGS,
    "DocumentEvents": DOCUMENT_EVENTS,
    "ExchangeEvent": EXCHANGE_EVENT,
    "Acknowledgement": ACKNOWLEDGEMENT,
    "Exchange": EXCHANGE,
    "OutboundAccepted": OUTBOUND_ACCEPTED,
    "InboxItem": INBOX_ITEM,
    "InboxAck": INBOX_ACK,
    "Partner": PARTNER,
    "Identifier": IDENTIFIER,
    "Endpoint": ENDPOINT,
    "Certificate": CERTIFICATE,
    "OwnCertificate": OWN_CERTIFICATE,
    "ApiKey": API_KEY,
    "Capabilities": CAPABILITIES,
    "SigningKeyRef": SIGNING_KEY_REF,
    "WebhookSubscription": SUBSCRIPTION,
    "WebhookDelivery": DELIVERY,
    "AuditVerification": AUDIT_VERIFICATION,
    "Health": HEALTH,
    "Liveness": LIVENESS,
    "PartnerCreate": PARTNER_CREATE,
    "PartnerUpdate": PARTNER_UPDATE,
    "IdentifierCreate": IDENTIFIER_CREATE,
    "EndpointCreate": ENDPOINT_CREATE,
    "EndpointUpdate": ENDPOINT_UPDATE,
    "CertificateCreate": CERTIFICATE_CREATE,
    "ApiKeyCreate": API_KEY_CREATE,
    "CapabilitiesUpdate": CAPABILITIES_UPDATE,
    "WebhookSubscriptionCreate": SUBSCRIPTION_CREATE,
    "WebhookSubscriptionUpdate": SUBSCRIPTION_UPDATE,
    "ReplayRequest": REPLAY,
    "CanonicalDocument": CANONICAL_DOCUMENT,
    "UblDocument": UBL_DOCUMENT,
}
