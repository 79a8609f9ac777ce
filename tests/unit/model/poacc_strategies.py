"""Hypothesis strategies that build canonical post-award documents from the model classes.

The builder walks a pydantic model's fields, so a field added to a model is generated (and
round-tripped by the property tests) without touching this file. Generated documents are
plausible canonical documents: text has no surrounding whitespace and only XML characters,
a qualifier (listID, schemeID, mimeCode, ...) only comes with the value it qualifies, and a
nested object or list item is never empty (an empty UBL element is PEPPOL-COMMON-R001).
"""

from __future__ import annotations

import functools
import types
import typing
from datetime import date
from decimal import Decimal
from typing import Any, Union

from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from gateway.model.common import AttachedDocument, IsoTime
from gateway.model.types import DecimalValue, IsoDate

MAX_LIST = 2
_PRESENT = st.integers(0, 2).map(lambda n: n == 0)  # about one field in three

# A qualifier field -> the field it qualifies, where the name does not say it.
_QUALIFIES: dict[type[BaseModel], dict[str, str]] = {
    AttachedDocument: {"mime_code": "embedded_document", "filename": "embedded_document"},
}
# `<x>_scheme_id` qualifies `<x>` or `<x>_id` (endpoint_scheme_id -> endpoint_id), and so on.
_QUALIFIER_SUFFIXES = (
    "_unit_code_list_id",
    "_scheme_version_id",
    "_scheme_data_uri",
    "_scheme_id",
    "_list_version_id",
    "_list_id",
    "_unit_code",
    "_currency",
)

# Letters, digits, XML-special and non-ASCII characters, inner spaces and a tab/newline.
_ALPHABET = "aZ09 -._/:&<>\"'#%+=@\u00e9\u00f8\u00df\u20ac\u4e2d\U0001f600\t\n"

TEXT = st.text(_ALPHABET, min_size=1, max_size=8).map(str.strip).filter(bool)
DECIMALS = st.builds(
    lambda units, scale: Decimal(units).scaleb(-scale),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.integers(min_value=0, max_value=4),
)
DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31))


@st.composite
def iso_times(draw: st.DrawFn) -> str:
    hour = draw(st.integers(0, 23))
    minute = draw(st.integers(0, 59))
    second = draw(st.integers(0, 59))
    fraction = draw(st.sampled_from(["", ".5", ".123"]))
    zone = draw(st.sampled_from(["", "Z", "+01:00", "-05:30"]))
    return f"{hour:02d}:{minute:02d}:{second:02d}{fraction}{zone}"


def _unwrap_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


@functools.cache
def strategy_for_type(annotation: Any) -> st.SearchStrategy[Any]:
    """A strategy for one field type of the canonical model."""
    annotation = _unwrap_optional(annotation)
    if annotation == IsoTime:
        return iso_times()
    if annotation == DecimalValue or annotation is Decimal:
        return DECIMALS
    if annotation == IsoDate or annotation is date:
        return DATES
    if annotation is str:
        return TEXT
    if annotation is bool:
        return st.booleans()
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return st.lists(strategy_for_type(item), min_size=1, max_size=MAX_LIST)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return models(annotation)
    raise TypeError(f"no strategy for field type {annotation!r}")


def _strategy_for_field(field: FieldInfo) -> st.SearchStrategy[Any]:
    # pydantic moves the metadata of a required Annotated field onto the FieldInfo.
    if field.annotation is str and any(getattr(m, "pattern", None) for m in field.metadata):
        return iso_times()
    return strategy_for_type(field.annotation)


def _qualified_field(cls: type[BaseModel], name: str) -> str | None:
    explicit = _QUALIFIES.get(cls, {})
    if name in explicit:
        return explicit[name]
    for suffix in _QUALIFIER_SUFFIXES:
        if name.endswith(suffix):
            base = name.removesuffix(suffix)
            for candidate in (base, f"{base}_id"):
                if candidate in cls.model_fields:
                    return candidate
    return None


def _without_orphan_qualifiers(cls: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    """Drop qualifiers whose value is absent (a unit code without its quantity), repeatedly:
    a qualifier can qualify another (quantity_unit_code_list_id -> quantity_unit_code)."""
    kept = dict(values)
    changed = True
    while changed:
        changed = False
        for name in list(kept):
            base = _qualified_field(cls, name)
            if base is not None and kept.get(base) is None:
                del kept[name]
                changed = True
    return kept


@st.composite
def _model_values(draw: st.DrawFn, cls: type[BaseModel]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        if field.is_required() or draw(_PRESENT):
            values[name] = draw(_strategy_for_field(field))
    return _without_orphan_qualifiers(cls, values)


@functools.cache
def models(cls: type[BaseModel]) -> st.SearchStrategy[BaseModel]:
    """Non-empty instances of `cls` (every set field holds a value)."""
    return st.deferred(
        lambda: (
            _model_values(cls)
            .filter(lambda values: any(v is not None for v in values.values()))
            .map(lambda values: cls.model_validate(values))
        )
    )


def _drop_document_currency(node: Any, currency: str | None) -> Any:
    if isinstance(node, dict):
        return {
            key: None
            if key.endswith("_currency") and value == currency
            else _drop_document_currency(value, currency)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_drop_document_currency(item, currency) for item in node]
    return node


def _canonical_document(document: BaseModel) -> BaseModel:
    """An amount states its currency only where it is not the document's (mappings/README)."""
    data = document.model_dump()
    currency = data.get("currency_code")
    return type(document).model_validate(_drop_document_currency(data, currency))


@functools.cache
def documents(cls: type[BaseModel]) -> st.SearchStrategy[BaseModel]:
    """Canonical documents of type `cls`."""
    return models(cls).map(_canonical_document)
