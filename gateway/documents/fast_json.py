"""The canonical JSON of a parsed UBL document without building the pydantic model.

`mapping.parse` already yields typed values (Decimal, date, bool, int, str). When every value
is exactly of the type its model field declares, validation would keep it unchanged and
`model_dump(mode="json", exclude_none=True)` would only format it: this module does that
formatting directly, in the model's field order, from a plan compiled once per model class.
Whenever identity with the model path is not certain (a value of another type, a missing
required field, an unknown key, a field kind the plan does not know) it raises `NotFast`
and the caller takes the model path.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Union

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from gateway.model.types import DecimalValue, IsoDate

Convert = Callable[[Any], Any]


class NotFast(Exception):
    """The fast path cannot guarantee the model path's output: take the model path."""


class UnsupportedModel(Exception):
    """A model class whose fields the plan cannot mirror exactly."""


def _decimal(value: Any) -> str:
    if value.__class__ is Decimal and value.is_finite():
        return format(value, "f")  # as gateway.model.types serialises DecimalValue
    raise NotFast


def _date(value: Any) -> str:
    if value.__class__ is date:
        return value.isoformat()
    raise NotFast


def _exact(kind: type) -> Convert:
    def convert(value: Any) -> Any:
        if value.__class__ is kind:
            return value
        raise NotFast

    return convert


def _constrained(annotation: Any) -> Convert:
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)

    def convert(value: Any) -> Any:
        if value.__class__ is not str:
            raise NotFast
        try:
            checked = adapter.validate_python(value)
        except ValidationError:
            raise NotFast from None
        if checked != value:
            raise NotFast
        return value

    return convert


def _list_of(item: Convert) -> Convert:
    def convert(value: Any) -> Any:
        if value.__class__ is not list:
            raise NotFast
        return [item(element) for element in value]

    return convert


_SCALARS: dict[Any, Convert] = {
    str: _exact(str),
    bool: _exact(bool),
    int: _exact(int),
    DecimalValue: _decimal,
    IsoDate: _date,
}


def _converter(annotation: Any) -> Convert:
    """The conversion of one value of `annotation` (None already excluded)."""
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return _list_of(_converter(item))
    if origin is Annotated and typing.get_args(annotation)[0] is str:
        return _constrained(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_converter(annotation)
    raise UnsupportedModel(f"no exact JSON plan for {annotation!r}")


def _field_annotation(info: FieldInfo) -> tuple[Any, bool]:
    """The field's annotation without `| None`, and whether None is allowed."""
    annotation: Any = info.annotation
    if info.metadata:
        annotation = Annotated[(annotation, *info.metadata)]
    origin = typing.get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(args) != 1:
            raise UnsupportedModel(f"no exact JSON plan for {annotation!r}")
        return args[0], True
    return annotation, False


class _FieldPlan:
    __slots__ = ("convert", "default", "exclude_if", "name", "nullable", "required")

    def __init__(self, name: str, info: FieldInfo) -> None:
        if info.alias is not None or info.serialization_alias is not None or info.exclude:
            raise UnsupportedModel(f"field {name} is renamed or excluded")
        annotation, self.nullable = _field_annotation(info)
        self.name = name
        self.convert = _converter(annotation)
        self.required = info.is_required()
        self.exclude_if: Callable[[Any], bool] | None = getattr(info, "exclude_if", None)
        if self.exclude_if is not None and typing.get_origin(annotation) is not list:
            raise UnsupportedModel(f"field {name}: exclude_if only on lists")
        self.default: Callable[[], Any] | None = None
        if info.default_factory is list:
            self.default = list
        elif not self.required and info.default is not None:
            constant = info.default
            if constant.__class__ not in (str, bool, int):
                raise UnsupportedModel(f"field {name} has a default other than None, [] or "
                                       "a str, bool or int constant")
            self.default = functools.partial(_constant, constant)


def _constant(value: Any) -> Any:
    return value


def _check_class(model: type[BaseModel]) -> None:
    decorators = model.__pydantic_decorators__
    if (decorators.validators or decorators.field_validators or decorators.root_validators
            or decorators.model_validators or decorators.field_serializers
            or decorators.model_serializers or decorators.computed_fields):
        raise UnsupportedModel(f"{model.__name__} has validators or serializers")
    config = model.model_config
    if config.get("extra") != "forbid" or config.get("str_strip_whitespace"):
        raise UnsupportedModel(f"{model.__name__} is not a plain canonical model")


_MAX_LAYOUTS = 4096  # distinct key sets remembered per model class

Layout = tuple[tuple[str, Any, bool, Any, Any], ...]


@functools.cache
def model_converter(model: type[BaseModel]) -> Convert:
    """The conversion of a parsed dict of `model` into its JSON object (model field order).

    The output fields for a given set of keys (in the model's order, with the defaults that
    show) are worked out once per distinct key tuple: the lines of a document share theirs.
    """
    _check_class(model)
    plans = [_FieldPlan(name, info) for name, info in model.model_fields.items()]
    names = frozenset(plan.name for plan in plans)
    layouts: dict[tuple[str, ...], Layout] = {}

    def layout_for(keys: tuple[str, ...]) -> Layout:
        if not names.issuperset(keys):
            raise NotFast  # a key the model forbids
        entries = []
        for plan in plans:
            present = plan.name in keys
            if not present and plan.required:
                raise NotFast
            if present or plan.default is not None:
                str_only = plan.convert is _SCALARS[str] and plan.exclude_if is None
                entries.append((plan.name, None if str_only else plan.convert, present,
                                plan, plan.exclude_if))
        layout = tuple(entries)
        if len(layouts) < _MAX_LAYOUTS:
            layouts[keys] = layout
        return layout

    def convert(value: Any) -> dict[str, Any]:
        if value.__class__ is not dict:
            raise NotFast
        keys = tuple(value)
        layout = layouts.get(keys)
        if layout is None:
            layout = layout_for(keys)
        result: dict[str, Any] = {}
        for name, converter, present, plan, exclude_if in layout:
            if present:
                item = value[name]
                if item is None:
                    if not plan.nullable:
                        raise NotFast
                    continue  # None: left out (exclude_none)
            else:
                item = plan.default()
            if converter is None:  # plain str, the common case: checked inline
                if item.__class__ is not str:
                    raise NotFast
                result[name] = item
                continue
            if converter is _decimal:  # the next most common: inline too
                if item.__class__ is not Decimal or not item.is_finite():
                    raise NotFast
                result[name] = format(item, "f")
                continue
            converted = converter(item)
            if exclude_if is not None and exclude_if(item):
                continue  # a list: as empty in the data as in the model
            result[name] = converted
        return result

    return convert


@functools.cache
def _converter_or_none(model: type[BaseModel]) -> Convert | None:
    try:
        return model_converter(model)
    except UnsupportedModel:
        return None


def fast_json(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any] | None:
    """`model_dump(mode="json", exclude_none=True)` of `model.model_validate(data)`, or None
    when the result cannot be guaranteed identical without validating."""
    converter = _converter_or_none(model)
    if converter is None:
        return None
    try:
        result: dict[str, Any] = converter(data)
    except NotFast:
        return None
    return result
