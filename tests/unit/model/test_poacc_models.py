"""The post-award models and their mapping files: same keys, same business terms, and the
behaviour the mapping conventions promise (implied currencies, exact attributes)."""

from __future__ import annotations

import types
import typing
from decimal import Decimal
from typing import Any, Union

import pytest
from pydantic import BaseModel, ValidationError

from gateway.documents.registry import REGISTRY
from gateway.jsonio import load_json
from gateway.mapping import Entry, load_mapping
from gateway.model.mlr import MessageLevelResponse
from gateway.model.order import Order, OrderLine
from gateway.model.order_response import OrderResponse
from gateway.xml.parser import parse_xml

POST_AWARD_TYPES = ("order", "order-response", "despatch-advice", "invoice-response", "mlr")


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The field's value type and whether it is a list."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        (annotation,) = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return item, True
    return annotation, False


def _disagreements(entries: tuple[Entry, ...], cls: type[BaseModel], where: str) -> list[str]:
    problems: list[str] = []
    keys = {entry.json for entry in entries}
    fields = set(cls.model_fields)
    problems += [f"{where}{key}: in the mapping, not in {cls.__name__}" for key in keys - fields]
    problems += [f"{where}{key}: in {cls.__name__}, not in the mapping" for key in fields - keys]
    for entry in entries:
        field = cls.model_fields.get(entry.json)
        if field is None:
            continue
        name = f"{where}{entry.json}"
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if entry.bt != extra.get("bt"):
            problems.append(f"{name}: mapping bt {entry.bt}, model bt {extra.get('bt')}")
        value_type, is_list = _unwrap(field.annotation)
        if is_list != entry.card.repeated:
            problems.append(f"{name}: list in one, single value in the other")
        is_model = isinstance(value_type, type) and issubclass(value_type, BaseModel)
        if entry.is_group != is_model:
            problems.append(f"{name}: group in one, value in the other")
        elif entry.fields is not None:
            problems += _disagreements(entry.fields, value_type, f"{name}.")
    return problems


@pytest.mark.parametrize("key", POST_AWARD_TYPES)
def test_mapping_and_model_declare_the_same_keys_and_terms(key: str) -> None:
    doc_type = REGISTRY.get(key)
    spec = load_mapping(doc_type.mapping).spec
    assert _disagreements(spec.fields, doc_type.model, "") == []


@pytest.mark.parametrize("key", POST_AWARD_TYPES)
def test_mapping_root_and_defaults_match_the_registry(key: str) -> None:
    doc_type = REGISTRY.get(key)
    spec = load_mapping(doc_type.mapping).spec
    assert (spec.root, spec.namespace) == (doc_type.root, doc_type.namespace)
    empty = doc_type.model()
    assert empty.customization_id == doc_type.customization_id
    assert empty.profile_id == doc_type.profile_id


def _order_xml(body: str) -> bytes:
    return f"""<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"
      xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
      xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
      <cbc:ID>o1</cbc:ID>{body}</Order>""".encode()


def _read_order(xml: bytes) -> Order:
    result = load_mapping("order.yaml").parse(parse_xml(xml))
    assert result.findings == []
    return Order.model_validate(result.data)


def test_amount_currency_is_implied_by_the_document_currency() -> None:
    order = _read_order(_order_xml("""
      <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
      <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">25.00</cbc:TaxAmount></cac:TaxTotal>"""))
    assert order.tax_amount == Decimal("25.00")
    assert order.tax_amount_currency is None
    rendered = parse_xml(load_mapping("order.yaml").render_bytes(order))
    amount = rendered.find(".//{*}TaxAmount")
    assert amount is not None
    assert (amount.text, amount.get("currencyID")) == ("25.00", "EUR")


def test_a_foreign_amount_currency_is_kept() -> None:
    """PEPPOL-T01-R003 rejects it later; the model keeps what the document said."""
    order = _read_order(_order_xml("""
      <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
      <cac:TaxTotal><cbc:TaxAmount currencyID="SEK">25</cbc:TaxAmount></cac:TaxTotal>"""))
    assert order.tax_amount_currency == "SEK"
    rendered = load_mapping("order.yaml").render_bytes(order)
    assert b'currencyID="SEK">25<' in rendered


def test_decimal_scale_and_unit_attributes_survive() -> None:
    order = _read_order(_order_xml("""
      <cac:OrderLine><cac:LineItem><cbc:ID>1</cbc:ID>
        <cbc:Quantity unitCode="NAR" unitCodeListID="UNECERec20">10.50</cbc:Quantity>
        <cac:Item><cbc:Name>Pen</cbc:Name></cac:Item>
      </cac:LineItem></cac:OrderLine>"""))
    line = order.lines[0]
    assert (str(line.quantity), line.quantity_unit_code, line.quantity_unit_code_list_id) == (
        "10.50", "NAR", "UNECERec20"
    )
    assert b'unitCodeListID="UNECERec20">10.50<' in load_mapping("order.yaml").render_bytes(order)


def test_several_party_identifications_are_all_kept() -> None:
    order = _read_order(_order_xml("""
      <cac:SellerSupplierParty><cac:Party>
        <cac:PartyIdentification><cbc:ID schemeID="0088">7300010000001</cbc:ID>
        </cac:PartyIdentification>
        <cac:PartyIdentification><cbc:ID>S-42</cbc:ID></cac:PartyIdentification>
      </cac:Party></cac:SellerSupplierParty>"""))
    assert order.seller is not None
    assert [(i.id, i.scheme_id) for i in order.seller.identifiers] == [
        ("7300010000001", "0088"), ("S-42", None)
    ]


def test_quantities_refuse_json_floats() -> None:
    with pytest.raises(ValidationError, match="JSON strings"):
        OrderLine.model_validate(load_json(b'{"id": "1", "quantity": 1.5}'))
    assert OrderLine.model_validate(load_json(b'{"id": "1", "quantity": "1.5"}')).quantity == (
        Decimal("1.5")
    )


@pytest.mark.parametrize("value", ["12:30:00", "23:59:59.5", "08:00:00Z", "08:00:00+01:00"])
def test_times_are_kept_as_written(value: str) -> None:
    assert OrderResponse(issue_time=value).issue_time == value


@pytest.mark.parametrize("value", ["24:00:00", "12:30", "12:30:00 ", "noon", "12:60:00"])
def test_malformed_times_are_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="issue_time"):
        MessageLevelResponse(issue_time=value)


def test_unknown_fields_are_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="buyer_party"):
        Order.model_validate({"buyer_party": {}})
