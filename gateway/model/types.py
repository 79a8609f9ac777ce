"""Shared field types and conventions of the canonical model.

Money and quantities are `Decimal`. In JSON they are written as strings ("100.00") or
integers; a JSON number with a fraction is refused with a message that says so, because
producers and consumers commonly read such numbers as binary floating point.
"""

from __future__ import annotations

import operator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema
from pydantic.config import JsonDict

from gateway.jsonio import JsonFloat


def _to_decimal(value: Any) -> Decimal:
    if value.__class__ is Decimal and value.is_finite():
        return value  # the common case when reading UBL: already parsed
    if value.__class__ is str:  # the common case when reading JSON
        return _decimal_from_text(value)
    if isinstance(value, bool):
        raise ValueError("expected a decimal string such as \"100.00\", got a boolean")
    if isinstance(value, JsonFloat | float):
        raise ValueError(
            f"decimal values must be JSON strings (\"{value}\") or integers, not JSON floats"
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        return _decimal_from_text(value)
    else:
        raise ValueError(f"expected a decimal string, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite decimal number")
    return result


def _decimal_from_text(value: str) -> Decimal:
    try:
        result = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite decimal number")
    return result


def _to_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO date string YYYY-MM-DD, got {type(value).__name__}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a valid date (YYYY-MM-DD)") from None


# Serialisers are C callables (no Python frame per value): format(value, "f") writes a
# Decimal without exponent ("0.0000001", not "1E-7"); a date as YYYY-MM-DD.
_decimal_str = operator.methodcaller("__format__", "f")
_date_str = operator.methodcaller("isoformat")


DecimalValue = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    PlainSerializer(_decimal_str, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^[+-]?\d+(\.\d+)?$"}),
]
"""A decimal number (amount, quantity, percentage, price)."""

Amount = DecimalValue
Quantity = DecimalValue
Percent = DecimalValue

IsoDate = Annotated[
    date,
    BeforeValidator(_to_date),
    PlainSerializer(_date_str, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date"}),
]


class CanonicalModel(BaseModel):
    """Base of every canonical model class: strict about unknown fields, immutable-ish."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        validate_assignment=False,
        str_strip_whitespace=False,
        ser_json_inf_nan="strings",
    )


def bt(term: str, description: str, **kwargs: Any) -> Any:
    """A model field annotated with its EN 16931 business term (BT-n / BG-n)."""
    extra: JsonDict = {"bt": term}
    return Field(description=f"{term}: {description}", json_schema_extra=extra, **kwargs)
