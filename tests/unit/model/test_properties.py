"""Property: parse(render(x)) == x for generated canonical invoices and credit notes.

Documents are generated from the model classes (a field added to the model is generated
without touching this file). The only constraints are those of a canonical document, read
from the mapping itself: an attribute qualifier (schemeID, currencyID, unitCode, ...) comes
with the value it qualifies, and a value the mapping implies (tax scheme VAT, an amount in the
document currency, type code 130, a price charge indicator false) is left out rather than
written, because parsing leaves implied values out.
"""

from __future__ import annotations

import types
import typing
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from gateway.documents.convert import model_to_json, model_to_xml, xml_to_model
from gateway.mapping import Entry, load_mapping
from gateway.model.invoice import CreditNote, Invoice

MAX_LIST = 2
PRESENT = st.integers(0, 2).map(lambda n: n == 0)  # about one field in three

# XML characters (no control characters but tab and newline), surrounding whitespace included:
# the text codec keeps text exactly.
TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Cn", "Co")) | st.sampled_from("\t\n "),
    max_size=8,
)
DECIMALS = st.builds(
    lambda units, exponent: Decimal(units).scaleb(exponent),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.integers(min_value=-6, max_value=3),
)
DATES = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
DOCUMENT_CURRENCY = "EUR"

# Values the mapping implies (see mappings/invoice.yaml `implied`) are never generated.
SPECIAL: dict[str, st.SearchStrategy[Any]] = {
    "currency_code": st.just(DOCUMENT_CURRENCY),
    "tax_scheme_id": st.sampled_from(["TAX", "GST", "vat"]),
}


def _unwrap(annotation: Any) -> Any:
    """`X | None` -> X, `Annotated[X, ...]` -> X."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        (annotation,) = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def qualifiers(entries: tuple[Entry, ...]) -> dict[str, str]:
    """Attribute key -> key of the element value it qualifies, within one group."""
    text_keys = {e.xpath.elements: e.json for e in entries
                 if e.fields is None and e.xpath.attribute is None}
    return {e.json: text_keys[e.xpath.elements] for e in entries
            if e.xpath.attribute is not None and e.xpath.elements in text_keys}


def implied_literals(entries: tuple[Entry, ...]) -> dict[str, str]:
    return {e.json: e.implied.literal for e in entries
            if e.implied is not None and e.implied.literal is not None}


class Builder:
    """Strategies for a model class and its nested classes, following one mapping file."""

    def __init__(self, mapping: str) -> None:
        self.entries: dict[type[BaseModel], tuple[Entry, ...]] = {}
        self.mapping = load_mapping(mapping)

    def document(self, model: type[BaseModel]) -> st.SearchStrategy[Any]:
        return self.model(model, self.mapping.spec.fields)

    def model(self, model: type[BaseModel], entries: tuple[Entry, ...]) -> st.SearchStrategy[Any]:
        by_key = {e.json: e for e in entries}
        fields = {
            name: self.field(model, name, by_key[name]) for name in model.model_fields
        }
        qualified = qualifiers(entries)

        @st.composite
        def build(draw: st.DrawFn) -> Any:
            values = {name: draw(strategy) for name, strategy in fields.items() if draw(PRESENT)}
            for attribute, value in qualified.items():
                if value not in values:
                    values.pop(attribute, None)
            return model(**values)

        return build()

    def field(self, model: type[BaseModel], name: str, entry: Entry) -> st.SearchStrategy[Any]:
        annotation = _unwrap(model.model_fields[name].annotation)
        if typing.get_origin(annotation) is list:
            (item,) = typing.get_args(annotation)
            return st.lists(self.value(_unwrap(item), name, entry), max_size=MAX_LIST)
        return self.value(annotation, name, entry)

    def value(self, annotation: Any, name: str, entry: Entry) -> st.SearchStrategy[Any]:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return self.model(annotation, entry.fields or ())
        if name.endswith("_currency"):
            return st.sampled_from(["USD", "SEK"])
        if name in SPECIAL:
            return SPECIAL[name]
        if annotation is Decimal:
            return DECIMALS
        if annotation is date:
            return DATES
        if annotation is bool:
            implied = None if entry.implied is None else entry.implied.literal
            return st.just(True) if implied == "false" else st.booleans()
        if annotation is str:
            implied = None if entry.implied is None else entry.implied.literal
            return TEXT.filter(lambda text: text != implied)
        raise TypeError(f"no strategy for {name}: {annotation!r}")


INVOICES = Builder("invoice.yaml").document(Invoice)
CREDIT_NOTES = Builder("credit-note.yaml").document(CreditNote)
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check(document: BaseModel, key: str) -> None:
    xml = model_to_xml(document, key)
    doc_type, parsed, findings = xml_to_model(xml, key)
    assert findings == []
    assert parsed == document
    assert doc_type.model.model_validate(model_to_json(document)) == document


@SETTINGS
@given(INVOICES)
def test_invoice_parse_of_render_is_identity(document: Invoice) -> None:
    _check(document, "invoice")


@SETTINGS
@given(CREDIT_NOTES)
def test_credit_note_parse_of_render_is_identity(document: CreditNote) -> None:
    _check(document, "credit-note")

