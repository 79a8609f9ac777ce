"""JSON Schemas of the remittance admin API (open items, remittance files, the review queue)."""

from __future__ import annotations

from typing import Any

from gateway.api.schemas import INT, OBJECT, STR, STR_OR_NULL, TIME, obj
from gateway.api.spec import Schema, ref

AMOUNT: Schema = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$",
                  "description": "A decimal amount as a string."}
AMOUNT_IN: Schema = {"type": ["string", "integer"],
                     "description": "A decimal amount: a string or an integer (no JSON floats)."}
DATE_OR_NULL: Schema = {"type": ["string", "null"], "format": "date"}
OPEN_ITEM_STATE: Schema = {"enum": ["open", "partially_paid", "paid"]}
LINE_STATE: Schema = {"enum": ["auto_applied", "in_review", "confirmed", "rejected",
                               "unmatched"]}

OPEN_ITEM = obj({
    "id": STR, "number": STR, "customer_id": STR, "customer_name": STR_OR_NULL,
    "partner_id": STR_OR_NULL, "currency": STR, "amount": AMOUNT, "open_amount": AMOUNT,
    "issue_date": DATE_OR_NULL, "due_date": DATE_OR_NULL, "creditor_reference": STR_OR_NULL,
    "state": OPEN_ITEM_STATE, "created_at": TIME, "updated_at": TIME,
}, description="An invoice we issued that a customer still owes money on (or paid).")

OPEN_ITEM_CREATE = obj({
    "number": STR, "customer_id": STR, "customer_name": STR_OR_NULL, "partner_id": STR_OR_NULL,
    "currency": STR, "amount": AMOUNT_IN, "open_amount": AMOUNT_IN, "issue_date": DATE_OR_NULL,
    "due_date": DATE_OR_NULL, "creditor_reference": STR_OR_NULL,
}, required=("number", "customer_id", "currency", "amount"))

OPEN_ITEMS_LOAD = obj({"items": {"type": "array", "items": ref("OpenItemCreate"),
                                 "minItems": 1}})

BOOKED = obj({"open_item_id": STR, "number": STR_OR_NULL, "amount": AMOUNT})

MATCH: Schema = {
    "type": "object",
    "description": "The matcher's match: strategy, confidence, how the amounts fit, the "
                   "allocations (open_item_id, number, amount), residuals and reasons.",
    "required": ["strategy", "confidence", "fit", "allocations"],
    "properties": {"strategy": STR, "confidence": {"type": "number"}, "fit": STR,
                   "allocations": {"type": "array", "items": OBJECT},
                   "residuals": {"type": "array", "items": OBJECT},
                   "reasons": {"type": "array", "items": OBJECT}},
}

REMITTANCE_LINE = obj({
    "id": STR, "file_id": STR, "position": INT, "state": LINE_STATE,
    "decision": {"enum": ["auto", "review", "none"]},
    "confidence": {"type": ["number", "null"]},
    "line": {"type": "object", "description": "The parsed line (gateway.remittance.model)."},
    "match": {"oneOf": [ref("RemittanceMatch"), {"type": "null"}]},
    "candidates": {"type": "array", "items": ref("RemittanceMatch")},
    "reasons": {"type": "array", "items": OBJECT},
    "flags": {"type": "array", "items": STR}, "duplicate_of": STR_OR_NULL,
    "allocations": {"type": "array", "items": ref("BookedAllocation")},
    "created_at": TIME, "updated_at": TIME,
}, description="One payment line with the matcher's decision, evidence and review state.")

REMITTANCE_FILE = obj({
    "id": STR, "partner_id": STR_OR_NULL, "filename": STR, "format": STR, "sha256": STR,
    "line_count": INT, "created_at": TIME,
    "summary": {"type": "object", "additionalProperties": INT,
                "description": "Lines per state."},
    "lines": {"type": "array", "items": ref("RemittanceLine")},
})

ALLOCATIONS_IN = obj({"allocations": {"type": "array", "minItems": 1, "items": obj(
    {"open_item_id": STR, "amount": AMOUNT_IN})}}, required=())

SPLIT_IN = obj({"allocations": {"type": "array", "minItems": 1, "items": obj(
    {"open_item_id": STR, "amount": AMOUNT_IN})}})

REJECT_IN = obj({"reason": STR}, required=())

REMITTANCE_COMPONENTS: dict[str, Any] = {
    "OpenItem": OPEN_ITEM,
    "OpenItemCreate": OPEN_ITEM_CREATE,
    "OpenItemsLoad": OPEN_ITEMS_LOAD,
    "BookedAllocation": BOOKED,
    "RemittanceMatch": MATCH,
    "RemittanceLine": REMITTANCE_LINE,
    "RemittanceFile": REMITTANCE_FILE,
    "ReviewConfirm": ALLOCATIONS_IN,
    "ReviewSplit": SPLIT_IN,
    "ReviewReject": REJECT_IN,
}
