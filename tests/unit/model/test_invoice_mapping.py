"""The invoice model and its mapping files agree: same keys, same business terms."""

from __future__ import annotations

import types
import typing
from typing import Any

import pytest
from pydantic import BaseModel

from gateway.mapping import Entry, load_mapping
from gateway.model.invoice import CreditNote, Invoice

CASES = [("invoice.yaml", Invoice), ("credit-note.yaml", CreditNote)]


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model class inside `X | None` or `list[X]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def _field_bt(model: type[BaseModel], name: str) -> str | None:
    extra = model.model_fields[name].json_schema_extra
    return extra.get("bt") if isinstance(extra, dict) else None  # type: ignore[return-value]


def _compare(entries: tuple[Entry, ...], model: type[BaseModel], where: str) -> list[str]:
    problems = []
    mapped = {entry.json for entry in entries}
    for name in model.model_fields:
        if name not in mapped:
            problems.append(f"{where}{name}: model field not in the mapping")
    for entry in entries:
        path = f"{where}{entry.json}"
        if entry.json not in model.model_fields:
            problems.append(f"{path}: mapping key not in {model.__name__}")
            continue
        if entry.bt != _field_bt(model, entry.json):
            problems.append(
                f"{path}: mapping bt {entry.bt} != model bt {_field_bt(model, entry.json)}"
            )
        annotation = model.model_fields[entry.json].annotation
        nested = _model_of(annotation)
        if entry.fields is not None:
            if nested is None:
                problems.append(f"{path}: a group in the mapping, not a model in the model")
            else:
                problems.extend(_compare(entry.fields, nested, f"{path}."))
        elif nested is not None:
            problems.append(f"{path}: a value in the mapping, a model in the model")
        is_list = typing.get_origin(annotation) is list
        if is_list != entry.card.repeated:
            problems.append(f"{path}: repetition differs (mapping card {entry.card})")
    return problems


@pytest.mark.parametrize(("name", "model"), CASES)
def test_mapping_and_model_declare_the_same_keys_and_terms(
    name: str, model: type[BaseModel]
) -> None:
    assert _compare(load_mapping(name).spec.fields, model, "") == []


def test_credit_note_flavour_lists_the_ubl_differences() -> None:
    spec = load_mapping("credit-note.yaml").spec
    assert spec.lineage == ("credit-note.yaml", "invoice.yaml")
    keys = [entry.json for entry in spec.fields]
    assert "due_date" not in keys
    assert "project_reference" not in keys
    assert keys.index("tax_point_date") < keys.index("type_code")
    assert keys.index("additional_documents") < keys.index("tender_reference")
    lines = next(entry for entry in spec.fields if entry.json == "lines")
    assert lines.xpath.text == "cac:CreditNoteLine"
    quantity = {e.json: e.xpath.text for e in lines.fields or ()}
    assert quantity["quantity"] == "cbc:CreditedQuantity"
    assert quantity["unit_code"] == "cbc:CreditedQuantity/@unitCode"


def test_every_business_term_field_is_annotated() -> None:
    """Every model field is either a BT/BG field or documents the UBL syntax it holds."""
    seen: set[type[BaseModel]] = set()
    stack: list[type[BaseModel]] = [Invoice, CreditNote]
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
            term = _field_bt(model, name)
            assert term is None or field.description.startswith(term)
            nested = _model_of(field.annotation)
            if nested is not None:
                stack.append(nested)
    assert len(seen) > 30
