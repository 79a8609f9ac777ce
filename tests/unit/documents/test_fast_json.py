"""The fast UBL -> JSON path gives exactly the model path's JSON (keys, order, strings).

Proved on every official example and snippet, and on generated documents of every type;
documents the fast path cannot vouch for (findings, values of another type, unknown keys)
take the model path and still give the same JSON.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from pydantic import BaseModel

from gateway.documents.convert import (
    model_class,
    model_to_json,
    model_to_json_bytes,
    model_to_xml,
    xml_to_json,
    xml_to_json_bytes,
    xml_to_model,
)
from gateway.documents.fast_json import fast_json
from gateway.documents.registry import REGISTRY
from gateway.errors import GatewayError
from gateway.mapping import load_mapping
from gateway.model.invoice import CreditNote, Invoice
from gateway.model.types import Amount, CanonicalModel
from gateway.xml.parser import parse_xml
from tests.unit.model.invoice_samples import invoice_json
from tests.unit.model.poacc_strategies import documents
from tests.unit.model.test_properties import CREDIT_NOTES, INVOICES

POST_AWARD_TYPES = ("order", "order-response", "despatch-advice", "invoice-response", "mlr")
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _parsed(xml: bytes, key: str | None = None) -> tuple[type[BaseModel], dict[str, Any], bool]:
    doc_type, _, _ = xml_to_model(xml, key)
    result = load_mapping(doc_type.mapping).parse(parse_xml(xml))
    return model_class(doc_type), result.data, not result.findings


def assert_same_json(xml: bytes, key: str | None = None) -> bool:
    """Fast and model paths agree; returns whether the fast path was taken."""
    doc_type, model, findings = xml_to_model(xml, key)
    fast_type, document, fast_findings = xml_to_json(xml, key)
    expected = model_to_json(model)
    assert fast_type == doc_type
    assert fast_findings == findings
    assert list(document) == list(expected)
    assert repr(document) == repr(expected)  # nested key order and value types too
    assert xml_to_json_bytes(xml, key)[1] == model_to_json_bytes(model)
    model_type, data, clean = _parsed(xml, key)
    return clean and fast_json(model_type, data) is not None


def _examples(standards_dir: Path) -> list[Path]:
    return sorted(
        path for folder in ("peppol-bis-billing-3", "peppol-poacc-3")
        for path in (standards_dir / folder).rglob("*.xml")
        if "example" in str(path).lower() or "snippet" in str(path).lower()
    )


def test_every_official_example_and_snippet_gives_the_model_path_json(
        standards_dir: Path) -> None:
    taken = checked = 0
    for path in _examples(standards_dir):
        xml = path.read_bytes()
        try:
            xml_to_model(xml)
        except GatewayError:
            continue  # not a supported document (e.g. a fragment): no JSON either way
        checked += 1
        taken += assert_same_json(xml)
    assert checked >= 50
    assert taken >= checked * 3 // 4  # the fast path is the common case, not a rarity


@SETTINGS
@given(INVOICES)
def test_generated_invoices(document: Invoice) -> None:
    assert assert_same_json(model_to_xml(document, "invoice"), "invoice")


@SETTINGS
@given(CREDIT_NOTES)
def test_generated_credit_notes(document: CreditNote) -> None:
    assert assert_same_json(model_to_xml(document, "credit-note"), "credit-note")


@pytest.mark.parametrize("key", POST_AWARD_TYPES)
def test_generated_post_award_documents(key: str) -> None:
    doc_type = REGISTRY.get(key)

    @SETTINGS
    @given(documents(doc_type.model))
    def check(document: BaseModel) -> None:
        assert assert_same_json(model_to_xml(document, doc_type), key)
        # the model's own Python dump (every None and empty list present) formats alike
        assert fast_json(type(document), document.model_dump()) == model_to_json(document)

    check()


def _invoice_xml() -> bytes:
    from gateway.documents.convert import json_to_model

    model, _ = json_to_model(invoice_json(), "invoice")
    return model_to_xml(model, "invoice")


def test_a_document_with_findings_takes_the_model_path() -> None:
    xml = _invoice_xml().replace(b"<cbc:IssueDate>", b"<cbc:IssueDate>x", 1)
    assert not assert_same_json(xml)
    _, _, findings = xml_to_json(xml)
    assert findings


def test_values_the_model_would_coerce_or_refuse_are_not_formatted() -> None:
    model_type, data, clean = _parsed(_invoice_xml())
    assert clean
    assert fast_json(model_type, data) is not None
    for change in ({"id": 5}, {"issue_date": "2024-01-01"}, {"unknown": "x"},
                   {"lines": ()}, {"notes": [Decimal(1)]}, {"notes": None},
                   {"totals": {**data["totals"], "payable_amount": "1.00"}},
                   {"totals": {**data["totals"], "payable_amount": Decimal("NaN")}}):
        assert fast_json(model_type, {**data, **change}) is None, change


class _Sample(CanonicalModel):
    code: str
    amount: Amount | None = None
    kind: str = "A"


def test_required_fields_and_constant_defaults() -> None:
    assert fast_json(_Sample, {}) is None  # the model would refuse it
    for data in ({"code": "x"}, {"code": "x", "amount": Decimal("1E-7"), "kind": "B"}):
        assert fast_json(_Sample, data) == model_to_json(_Sample.model_validate(data))


def test_the_convert_cli_writes_the_model_path_json() -> None:
    from gateway.cli.convert import _emit, convert_bytes

    for xml in (_invoice_xml(), _invoice_xml().replace(b"<cbc:IssueDate>", b"<cbc:IssueDate>x")):
        doc_type, model, findings = xml_to_model(xml)
        output, cli_findings = convert_bytes(xml, to=None, type_key=None, max_bytes=10**7)
        assert output == _emit(model, doc_type, "json")
        assert cli_findings == findings


def test_keys_come_out_in_the_model_order_whatever_the_data_order() -> None:
    for data in ({"kind": "B", "amount": Decimal("2.50"), "code": "x"},
                 {"amount": Decimal(0), "code": "y"}, {"kind": None, "code": "z"}):
        fast = fast_json(_Sample, data)
        expected = model_to_json(_Sample.model_validate(data)) if data.get("kind", "A") else None
        assert fast == expected
        assert list(fast or ()) == list(expected or ())
