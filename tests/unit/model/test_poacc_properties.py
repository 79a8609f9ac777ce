"""Property: parse(render(x)) == x for generated canonical post-award documents.

Documents are generated from the model classes (poacc_strategies), rendered to UBL through
the type's mapping file, read back through the same file and validated into the model again.
The JSON form round-trips too.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from gateway.documents.convert import json_to_model, model_to_json, model_to_xml, xml_to_model
from gateway.documents.registry import REGISTRY
from gateway.mapping import load_mapping
from gateway.xml.parser import parse_xml
from tests.unit.model.poacc_strategies import documents

POST_AWARD_TYPES = ("order", "order-response", "despatch-advice", "invoice-response", "mlr")

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.parametrize("key", POST_AWARD_TYPES)
def test_parse_of_render_is_identity(key: str) -> None:
    doc_type = REGISTRY.get(key)

    @PROPERTY_SETTINGS
    @given(documents(doc_type.model))
    def check(document: BaseModel) -> None:
        _, parsed, findings = xml_to_model(model_to_xml(document, doc_type), doc_type)
        assert findings == []
        assert parsed == document

    check()


@pytest.mark.parametrize("key", POST_AWARD_TYPES)
def test_json_form_round_trips(key: str) -> None:
    model = REGISTRY.get(key).model

    @PROPERTY_SETTINGS
    @given(documents(model))
    def check(document: BaseModel) -> None:
        assert json_to_model(model_to_json(document), key, complete=False) == (document, [])

    check()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(REGISTRY.get("order").model), st.sampled_from(["EUR", "NOK", "SEK"]))
def test_amounts_in_the_document_currency_carry_no_currency_of_their_own(
    document: BaseModel, currency: str
) -> None:
    """Rendering states every amount's @currencyID; parsing leaves it out where it is the
    document currency (PEPPOL-T01-R003), so the JSON holds the currency once."""
    order = document.model_copy(update={"currency_code": currency})
    mapping = load_mapping(REGISTRY.get("order").mapping)
    root = parse_xml(mapping.render_bytes(order))
    amounts = root.xpath("//*[@currencyID]")
    assert all(element.get("currencyID") for element in amounts)
    data = mapping.parse(root).data
    stated = [value for key, value in _walk_items(data) if key.endswith("_currency")]
    assert currency not in stated


def _walk_items(node: object) -> list[tuple[str, object]]:
    items: list[tuple[str, object]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            items.append((key, value))
            items.extend(_walk_items(value))
    elif isinstance(node, list):
        for value in node:
            items.extend(_walk_items(value))
    return items
