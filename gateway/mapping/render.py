"""JSON (a canonical model or its dict form) -> UBL bytes, walking the mapping entries in order.

Entries are in schema order, so the output always is. An entry reuses the elements the
previous entry opened when their XPaths share a prefix (several cbc under one cac:Party);
a group's or a repeated entry's own element is always new.

The renderer writes XML text directly (escaped, with the mapping's prefixes) instead of
building an lxml tree: building elements one by one from Python costs several times what
parsing the same document costs, and rendering must stay within a small factor of that.
Consecutive entries for one element (its text and its attributes) are compiled into one
write, so a start tag is complete when it is written. Consecutive entries that share leading
elements are compiled into a *wrapper* step that holds them: the wrapper's element is written
around them only when one of them writes something. The loader guarantees that entries sharing
an element are consecutive (`check_layout`), so this is the same document as opening and
closing the shared elements entry by entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from gateway.errors import InputError
from gateway.mapping.spec import Entry, Implied, MappingSpec

# _TEXT: an element with text only (the most common step), _ELEMENT: one with attributes or
# an implied text, _WRAPPER: a shared element around the steps below it.
_TEXT, _ELEMENT, _WRAPPER, _GROUP, _VALUE_LIST, _GROUP_LIST = range(6)

_TEXT_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTRIBUTE_SPECIAL = re.compile('[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_TEXT_SEARCH = _TEXT_SPECIAL.search
_ATTRIBUTE_SEARCH = _ATTRIBUTE_SPECIAL.search
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))
_ATTRIBUTE_ESCAPES = (*_TEXT_ESCAPES, ('"', "&quot;"), ("\t", "&#9;"), ("\n", "&#10;"))
# Every codec writes these exact types as digits, signs, points, colons or letters: nothing
# to escape, so their text skips the search for special characters.
_PLAIN_TYPES = frozenset({Decimal, date, bool, int})


def _escape(text: str, special: re.Pattern[str], escapes: tuple[tuple[str, str], ...],
            key: str) -> str:
    if special.search(text) is None:
        return text
    bad = _NOT_XML.search(text)
    if bad is not None:
        raise InputError(
            f"{key}: U+{ord(bad.group()):04X} is not a character an XML document can carry"
        )
    for char, reference in escapes:
        text = text.replace(char, reference)
    return text


def _text(item: Any, write: Callable[[Any], str], key: str) -> str:
    """The escaped element text of a value."""
    if item.__class__ is str:
        text: str = item
    else:
        text = write(item)
        if item.__class__ in _PLAIN_TYPES:
            return text
    if _TEXT_SEARCH(text) is not None:
        text = _escape(text, _TEXT_SPECIAL, _TEXT_ESCAPES, key)
    return text


def _attribute_text(item: Any, write: Callable[[Any], str], key: str) -> str:
    """The escaped attribute value of a value."""
    text = item if item.__class__ is str else write(item)
    if _ATTRIBUTE_SEARCH(text) is not None:
        text = _escape(text, _ATTRIBUTE_SPECIAL, _ATTRIBUTE_ESCAPES, key)
    return text


@dataclass(frozen=True, slots=True, eq=False)  # compared by identity: a cache key per entry
class ValueWrite:
    key: str
    name: str  # qualified attribute name; "" for element text
    write: Callable[[Any], str]
    implied: Implied | None


@dataclass(frozen=True, slots=True, eq=False)
class RenderStep:
    kind: int
    key: str  # JSON key (text, groups and lists)
    element: str  # qualified name of the step's own element
    start: str  # "<element>" for text, wrappers and value lists; "<element" otherwise
    end: str  # "</element>"
    text: ValueWrite | None  # element text (values) / the group element's own text
    attributes: tuple[ValueWrite, ...]  # of the element (values) / of the group element
    write: Callable[[Any], str] | None  # for text steps and value lists
    plan: tuple[RenderStep, ...]  # a group's steps / the steps inside a wrapper


def _step(kind: int, key: str, element: str, text: ValueWrite | None = None,
          attributes: tuple[ValueWrite, ...] = (), write: Callable[[Any], str] | None = None,
          plan: tuple[RenderStep, ...] = ()) -> RenderStep:
    closed = kind in (_TEXT, _WRAPPER, _VALUE_LIST)
    start = f"<{element}>" if closed else f"<{element}"
    return RenderStep(kind, key, element, start, f"</{element}>", text, attributes, write, plan)


@dataclass(frozen=True, slots=True)
class _Placed:
    """A step with the shared elements above it, before nesting into wrappers."""

    prefix: tuple[str, ...]
    step: RenderStep


class Compiler:
    """Turns entries into render steps with qualified names (prefix:local)."""

    def __init__(self, spec: MappingSpec) -> None:
        self.prefixes: dict[str, str] = {}
        for prefix, uri in spec.namespaces.items():
            self.prefixes.setdefault(uri, prefix)
        self.default = spec.namespace

    def qname(self, clark: str) -> str:
        if not clark.startswith("{"):
            return clark
        uri, _, local = clark[1:].partition("}")
        if uri == self.default:
            return local
        return f"{self.prefixes[uri]}:{local}"

    def plan(self, entries: tuple[Entry, ...]) -> tuple[RenderStep, ...]:
        placed: list[_Placed] = []
        for entry in entries:
            if not entry.xpath.elements:
                continue  # the group element's own text / attributes: see `own_values`
            if entry.fields is not None or entry.card.repeated:
                placed.append(self._exclusive(entry))
            else:
                self._add_value(placed, entry)
        return _nest(placed, 0)

    def own_values(self, entries: tuple[Entry, ...]) -> tuple[ValueWrite | None,
                                                              tuple[ValueWrite, ...]]:
        own = [e for e in entries if not e.xpath.elements]
        text = next((self._value(e) for e in own if e.xpath.attribute is None), None)
        return text, tuple(self._value(e) for e in own if e.xpath.attribute is not None)

    def _value(self, entry: Entry) -> ValueWrite:
        assert entry.codec is not None  # loader guarantees: a value entry has a codec
        name = "" if entry.xpath.attribute is None else self.qname(entry.xpath.attribute)
        return ValueWrite(entry.json, name, entry.codec.write, entry.implied)

    def _exclusive(self, entry: Entry) -> _Placed:
        names = tuple(self.qname(tag) for tag in entry.xpath.elements)
        if entry.fields is None:
            assert entry.codec is not None
            return _Placed(names[:-1], _step(_VALUE_LIST, entry.json, names[-1],
                                             write=entry.codec.write))
        text, attributes = self.own_values(entry.fields)
        kind = _GROUP_LIST if entry.card.repeated else _GROUP
        return _Placed(names[:-1], _step(kind, entry.json, names[-1], text, attributes,
                                         plan=self.plan(entry.fields)))

    def _add_value(self, placed: list[_Placed], entry: Entry) -> None:
        names = tuple(self.qname(tag) for tag in entry.xpath.elements)
        value = self._value(entry)
        last = placed[-1] if placed else None
        if (last is not None and last.step.kind in (_TEXT, _ELEMENT)
                and (*last.prefix, last.step.element) == names):
            old = last.step
            text = old.text if value.name else value
            attributes = (*old.attributes, value) if value.name else old.attributes
            placed[-1] = _Placed(last.prefix, _value_step(old.element, text, attributes))
            return
        placed.append(_Placed(names[:-1], _value_step(
            names[-1], None if value.name else value, (value,) if value.name else ())))


def _value_step(element: str, text: ValueWrite | None,
                attributes: tuple[ValueWrite, ...]) -> RenderStep:
    if text is not None and not attributes and text.implied is None:
        return _step(_TEXT, text.key, element, text, write=text.write)
    return _step(_ELEMENT, text.key if text else "", element, text, attributes)


def _nest(placed: list[_Placed], depth: int) -> tuple[RenderStep, ...]:
    """Steps whose prefixes share the element at `depth` go into one wrapper for it."""
    steps: list[RenderStep] = []
    index = 0
    while index < len(placed):
        prefix = placed[index].prefix
        if len(prefix) == depth:
            steps.append(placed[index].step)
            index += 1
            continue
        shared = prefix[depth]
        end = index
        while (end < len(placed) and len(placed[end].prefix) > depth
               and placed[end].prefix[depth] == shared):
            end += 1
        steps.append(_step(_WRAPPER, "", shared, plan=_nest(placed[index:end], depth + 1)))
        index = end
    return tuple(steps)


@dataclass(frozen=True, slots=True)
class DocumentPlan:
    declarations: str  # namespace declarations of the root start tag
    root: RenderStep  # the document element as a group step


def compile_render(spec: MappingSpec) -> DocumentPlan:
    compiler = Compiler(spec)
    used = _used_namespaces(spec)
    declarations = [f' xmlns="{spec.namespace}"']
    declarations.extend(
        f' xmlns:{prefix}="{uri}"' for prefix, uri in spec.namespaces.items()
        if uri in used and uri != spec.namespace and compiler.prefixes[uri] == prefix
    )
    text, attributes = compiler.own_values(spec.fields)
    root = _step(_GROUP, "", spec.root, text, attributes, plan=compiler.plan(spec.fields))
    return DocumentPlan("".join(declarations), root)


def _used_namespaces(spec: MappingSpec) -> set[str]:
    used: set[str] = set()
    stack = list(spec.fields)
    while stack:
        entry = stack.pop()
        names = [*entry.xpath.elements, entry.xpath.attribute or ""]
        used.update(name[1:].partition("}")[0] for name in names if name.startswith("{"))
        stack.extend(entry.fields or ())
    return used


def _get(source: Any, key: str) -> Any:
    if isinstance(source, dict | Mapping):
        return source.get(key)
    return getattr(source, key, None)


def resolve_pointer(root: Any, pointer: tuple[str, ...]) -> Any:
    value = root
    for part in pointer:
        if value is None:
            return None
        if isinstance(value, list | tuple):
            value = value[int(part)] if part.isdigit() and int(part) < len(value) else None
        else:
            value = _get(value, part)
    return value


def _values(source: Any) -> Mapping[str, Any]:
    """The field values of `source`: the dict itself, or a model's instance dict."""
    if isinstance(source, dict):
        return source
    if isinstance(source, BaseModel):
        return source.__dict__
    if isinstance(source, Mapping):
        return source
    values: dict[str, Any] = vars(source)
    return values


class _Writer:
    __slots__ = ("implied_texts", "out", "pointers", "root")

    def __init__(self, root: Any) -> None:
        self.root = root
        self.out: list[str] = []
        self.pointers: dict[tuple[str, ...], Any] = {}
        # an entry (compared by identity) -> its implied value as escaped text, or None
        self.implied_texts: dict[ValueWrite, str | None] = {}

    def implied(self, implied: Implied) -> Any:
        pointer = implied.pointer
        if pointer is None:
            return implied.literal
        try:
            return self.pointers[pointer]
        except KeyError:
            value = self.pointers[pointer] = resolve_pointer(self.root, pointer)
            return value

    def implied_text(self, write: ValueWrite) -> str | None:
        """The implied value of `write` as escaped text, once per document and entry."""
        try:
            return self.implied_texts[write]
        except KeyError:
            pass
        assert write.implied is not None
        item = self.implied(write.implied)
        text = None
        if item is not None:
            text = (_attribute_text(item, write.write, write.key) if write.name
                    else _text(item, write.write, write.key))
        self.implied_texts[write] = text
        return text

    def attributes(self, values: Mapping[str, Any], writes: tuple[ValueWrite, ...],
                   element_exists: bool) -> str | None:
        """The attribute string; None when the element would exist only for implied ones."""
        parts: str | None = None
        missing = False
        for write in writes:
            item = values.get(write.key)
            if item is None:
                if write.implied is not None:
                    missing = True
                continue
            part = f' {write.name}="{_attribute_text(item, write.write, write.key)}"'
            parts = part if parts is None else parts + part
        if parts is None:
            if not element_exists:
                return None
            parts = ""
        if missing:
            for write in writes:
                if write.implied is not None and values.get(write.key) is None:
                    text = self.implied_text(write)
                    if text is not None:
                        parts += f' {write.name}="{text}"'
        return parts

    def text(self, values: Mapping[str, Any], write: ValueWrite) -> str | None:
        item = values.get(write.key)
        if item is None:
            if write.implied is None:
                return None
            return self.implied_text(write)
        return _text(item, write.write, write.key)

    def group(self, step: RenderStep, source: Any, declarations: str = "") -> None:
        values = source if source.__class__ is dict else _values(source)
        out = self.out
        attributes = self.attributes(values, step.attributes, True) if step.attributes else ""
        out.append(f"{step.start}{declarations}{attributes}>")
        if step.text is not None:
            text = self.text(values, step.text)
            if text is not None:
                out.append(text)
        self.steps(step.plan, values)
        out.append(step.end)

    def steps(self, plan: tuple[RenderStep, ...], values: Mapping[str, Any]) -> None:
        out = self.out
        for step in plan:
            kind = step.kind
            if kind == _TEXT:
                item = values.get(step.key)
                if item is not None:
                    if item.__class__ is not str or _TEXT_SEARCH(item) is not None:
                        item = _text(item, step.write, step.key)  # type: ignore[arg-type]
                    out.append(f"{step.start}{item}{step.end}")
            elif kind == _WRAPPER:
                mark = len(out)
                out.append(step.start)
                self.steps(step.plan, values)
                if len(out) == mark + 1:
                    out.pop()  # nothing below: the shared element is not written
                else:
                    out.append(step.end)
            elif kind == _ELEMENT:
                self.element(step, values)
            else:
                value = values.get(step.key)
                if value is None:
                    continue
                if kind == _GROUP:
                    self.group(step, value)
                elif kind == _GROUP_LIST:
                    for item in value:
                        self.group(step, item)
                else:
                    write = step.write
                    assert write is not None
                    for item in value:
                        out.append(f"{step.start}{_text(item, write, step.key)}{step.end}")

    def element(self, step: RenderStep, values: Mapping[str, Any]) -> None:
        """A value element with attributes or an implied text (see `attributes`)."""
        text = None
        write = step.text
        if write is not None:
            item = values.get(write.key)
            if item is None:
                if write.implied is not None:
                    text = self.implied_text(write)
            elif item.__class__ in _PLAIN_TYPES:
                text = write.write(item)
            else:
                text = _text(item, write.write, write.key)
        if step.attributes:
            attributes = self.attributes(values, step.attributes, text is not None)
            if attributes is None:
                return  # implied attributes alone do not make the element
        elif text is None:
            return
        else:
            attributes = ""
        if text is None:
            self.out.append(f"{step.start}{attributes}/>")
        else:
            self.out.append(f"{step.start}{attributes}>{text}{step.end}")


def render_text(plan: DocumentPlan, source: Any) -> str:
    """The document for `source` (a model instance or its JSON dict) as XML text."""
    writer = _Writer(source)
    writer.out.append('<?xml version="1.0" encoding="UTF-8"?>\n')
    writer.group(plan.root, source, plan.declarations)
    return "".join(writer.out)
