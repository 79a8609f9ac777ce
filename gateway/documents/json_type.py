"""Tell the document type of canonical JSON input.

Canonical JSON may name its type in a top-level `document_type` (a registry key); otherwise
the CustomizationID narrows the candidates and, for billing documents that share one, the
type code decides: Peppol BIS Billing 3.0 lists disjoint UNTDID 1001 codes for invoices and
credit notes (rule PEPPOL-EN16931-P0100 / P0101).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.documents.registry import CUST_PEPPOL_BILLING, REGISTRY, DocumentType
from gateway.errors import UnsupportedDocumentError

DOCUMENT_TYPE_KEY = "document_type"
CREDIT_NOTE_TYPE_CODES = frozenset({"81", "83", "381", "396", "532"})


def split_json_document(
    data: Mapping[str, Any], explicit: str | None = None
) -> tuple[DocumentType, dict[str, Any]]:
    """The document type and the model's fields (without the `document_type` key)."""
    fields = {k: v for k, v in data.items() if k != DOCUMENT_TYPE_KEY}
    inner = data.get(DOCUMENT_TYPE_KEY)
    if explicit is not None and inner is not None and inner != explicit:
        raise UnsupportedDocumentError(
            f"the document type was declared as {explicit!r} but the JSON says {inner!r}",
            code="document-type-mismatch",
        )
    named = explicit or inner
    if named is not None:
        if not isinstance(named, str):
            raise UnsupportedDocumentError("\"document_type\" must be a string")
        return REGISTRY.get(named), fields
    return _infer(fields), fields


def _infer(fields: Mapping[str, Any]) -> DocumentType:
    customization = fields.get("customization_id") or CUST_PEPPOL_BILLING
    candidates = [t for t in REGISTRY if t.customization_id == customization]
    if len(candidates) > 1:
        wants_credit_note = str(fields.get("type_code", "")) in CREDIT_NOTE_TYPE_CODES
        candidates = [t for t in candidates if (t.root == "CreditNote") == wants_credit_note]
    if len(candidates) == 1:
        return candidates[0]
    raise UnsupportedDocumentError(
        f"cannot tell the document type of this JSON (customization_id {customization!r}); "
        f"set \"{DOCUMENT_TYPE_KEY}\" or pass --type, one of: " + ", ".join(REGISTRY.keys)
    )


def with_document_type(doc_type: DocumentType, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical JSON that names its own type first."""
    return {DOCUMENT_TYPE_KEY: doc_type.key, **fields}
