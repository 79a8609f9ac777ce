"""JSON (a canonical model or its dict form) -> UBL bytes, walking the mapping entries in order.

Entries are in schema order, so the output always is. An entry reuses the elements the
previous entry opened when their XPaths share a prefix (several cbc under one cac:Party);
a group's or a repeated entry's own element is always new.

The renderer writes XML text directly (escaped, with the mapping's prefixes) instead of
building an lxml tree: building elements one by one from Python costs several times what
parsing the same document costs, and rendering must stay within a small factor of that.
Consecutive entries for one element (its text and its attributes) are compiled into one
write, so a start tag is complete when it is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from gateway.errors import InputError
from gateway.mapping.spec import Entry, Implied, MappingSpec

_ELEMENT, _GROUP, _VALUE_LIST, _GROUP_LIST = range(4)

_TEXT_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTRIBUTE_SPECIAL = re.compile('[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_TEXT_SEARCH = _TEXT_SPECIAL.search
_ATTRIBUTE_SEARCH = _ATTRIBUTE_SPECIAL.search
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))
_ATTRIBUTE_ESCAPES = (*_TEXT_ESCAPES, ('"', "&quot;"), ("\t", "&#9;"), ("\n", "&#10;"))


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


@dataclass(frozen=True, slots=True)
class ValueWrite:
    key: str
    name: str  # qualified attribute name; "" for element text
    write: Callable[[Any], str]
    implied: Implied | None


@dataclass(frozen=True, slots=True)
class RenderStep:
    kind: int
    key: str  # JSON key (groups and lists)
    prefix: tuple[str, ...]  # qualified names of the shared elements above the element
    element: str  # qualified name of the step's own element
    text: ValueWrite | None  # element text (values) / the group element's own text
    attributes: tuple[ValueWrite, ...]  # of the element (values) / of the group element
    write: Callable[[Any], str] | None  # for value lists
    plan: tuple[RenderStep, ...]  # a group's steps


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
        steps: list[RenderStep] = []
        for entry in entries:
            if not entry.xpath.elements:
                continue  # the group element's own text / attributes: see `own_values`
            if entry.fields is not None or entry.card.repeated:
                steps.append(self._exclusive(entry))
            else:
                self._add_value(steps, entry)
        return tuple(steps)

    def own_values(self, entries: tuple[Entry, ...]) -> tuple[ValueWrite | None,
                                                              tuple[ValueWrite, ...]]:
        own = [e for e in entries if not e.xpath.elements]
        text = next((self._value(e) for e in own if e.xpath.attribute is None), None)
        return text, tuple(self._value(e) for e in own if e.xpath.attribute is not None)

    def _value(self, entry: Entry) -> ValueWrite:
        assert entry.codec is not None  # loader guarantees: a value entry has a codec
        name = "" if entry.xpath.attribute is None else self.qname(entry.xpath.attribute)
        return ValueWrite(entry.json, name, entry.codec.write, entry.implied)

    def _exclusive(self, entry: Entry) -> RenderStep:
        names = tuple(self.qname(tag) for tag in entry.xpath.elements)
        if entry.fields is None:
            assert entry.codec is not None
            return RenderStep(_VALUE_LIST, entry.json, names[:-1], names[-1], None, (),
                              entry.codec.write, ())
        text, attributes = self.own_values(entry.fields)
        kind = _GROUP_LIST if entry.card.repeated else _GROUP
        return RenderStep(kind, entry.json, names[:-1], names[-1], text, attributes, None,
                          self.plan(entry.fields))

    def _add_value(self, steps: list[RenderStep], entry: Entry) -> None:
        names = tuple(self.qname(tag) for tag in entry.xpath.elements)
        value = self._value(entry)
        last = steps[-1] if steps else None
        if last is not None and last.kind == _ELEMENT and (*last.prefix, last.element) == names:
            merged = RenderStep(
                _ELEMENT, last.key, last.prefix, last.element,
                last.text if value.name else value,
                (*last.attributes, value) if value.name else last.attributes,
                None, (),
            )
            steps[-1] = merged
            return
        steps.append(RenderStep(_ELEMENT, entry.json, names[:-1], names[-1],
                                None if value.name else value,
                                (value,) if value.name else (), None, ()))


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
    root = RenderStep(_GROUP, "", (), spec.root, text, attributes, None,
                      compiler.plan(spec.fields))
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


def _format(value: ValueWrite, item: Any, escapes: tuple[tuple[str, str], ...],
            special: re.Pattern[str]) -> str:
    text = item if item.__class__ is str else value.write(item)
    if special.search(text) is not None:
        text = _escape(text, special, escapes, value.key)
    return text


class _Writer:
    __slots__ = ("out", "pointers", "root")

    def __init__(self, root: Any) -> None:
        self.root = root
        self.out: list[str] = []
        self.pointers: dict[tuple[str, ...], Any] = {}

    def implied(self, implied: Implied) -> Any:
        pointer = implied.pointer
        if pointer is None:
            return implied.literal
        try:
            return self.pointers[pointer]
        except KeyError:
            value = self.pointers[pointer] = resolve_pointer(self.root, pointer)
            return value

    def attributes(self, values: Mapping[str, Any], writes: tuple[ValueWrite, ...],
                   element_exists: bool) -> str | None:
        """The attribute string; None when the element would exist only for implied ones."""
        parts: str | None = None
        missing: list[ValueWrite] | None = None
        for write in writes:
            item = values.get(write.key)
            if item is None:
                if write.implied is not None:
                    missing = [write] if missing is None else [*missing, write]
                continue
            text = item if item.__class__ is str else write.write(item)
            if _ATTRIBUTE_SEARCH(text) is not None:
                text = _escape(text, _ATTRIBUTE_SPECIAL, _ATTRIBUTE_ESCAPES, write.key)
            part = f' {write.name}="{text}"'
            parts = part if parts is None else parts + part
        if parts is None:
            if not element_exists:
                return None
            parts = ""
        if missing is not None:
            for write in missing:
                item = self.implied(write.implied)  # type: ignore[arg-type]
                if item is not None:
                    text = _format(write, item, _ATTRIBUTE_ESCAPES, _ATTRIBUTE_SPECIAL)
                    parts += f' {write.name}="{text}"'
        return parts

    def text(self, values: Mapping[str, Any], write: ValueWrite) -> str | None:
        item = values.get(write.key)
        if item is None:
            if write.implied is None:
                return None
            item = self.implied(write.implied)
            if item is None:
                return None
        return _format(write, item, _TEXT_ESCAPES, _TEXT_SPECIAL)

    def group(self, step: RenderStep, source: Any, declarations: str = "") -> None:
        values = _values(source)
        out = self.out
        attributes = self.attributes(values, step.attributes, True) if step.attributes else ""
        out.append(f"<{step.element}{declarations}{attributes}>")
        if step.text is not None:
            text = self.text(values, step.text)
            if text is not None:
                out.append(text)
        self.steps(step.plan, values)
        out.append(f"</{step.element}>")

    def steps(self, plan: tuple[RenderStep, ...], values: Mapping[str, Any]) -> None:
        out = self.out
        opened: tuple[str, ...] = ()
        for step in plan:
            kind = step.kind
            if kind == _ELEMENT:
                write = step.text
                text = None
                if write is not None:
                    item = values.get(write.key)
                    if item is None and write.implied is not None:
                        item = self.implied(write.implied)
                    if item is not None:
                        text = item if item.__class__ is str else write.write(item)
                        if _TEXT_SEARCH(text) is not None:
                            text = _escape(text, _TEXT_SPECIAL, _TEXT_ESCAPES, write.key)
                if step.attributes:
                    attributes = self.attributes(values, step.attributes, text is not None)
                    if attributes is None:
                        continue
                elif text is None:
                    continue
                else:
                    attributes = ""
                if step.prefix != opened:
                    opened = _move(out, opened, step.prefix)
                name = step.element
                if text is None:
                    out.append(f"<{name}{attributes}/>")
                else:
                    out.append(f"<{name}{attributes}>{text}</{name}>")
                continue
            value = values.get(step.key)
            if value is None or (kind != _GROUP and not value):
                continue
            if step.prefix != opened:
                opened = _move(out, opened, step.prefix)
            if kind == _GROUP:
                self.group(step, value)
            elif kind == _GROUP_LIST:
                for item in value:
                    self.group(step, item)
            else:
                name = step.element
                assert step.write is not None
                for item in value:
                    text = item if item.__class__ is str else step.write(item)
                    if _TEXT_SEARCH(text) is not None:
                        text = _escape(text, _TEXT_SPECIAL, _TEXT_ESCAPES, step.key)
                    out.append(f"<{name}>{text}</{name}>")
        if opened:
            _move(out, opened, ())


def _move(out: list[str], opened: tuple[str, ...], path: tuple[str, ...]) -> tuple[str, ...]:
    """Close and open elements so that exactly `path` is open (sharing the common prefix)."""
    common = 0
    for left, right in zip(opened, path, strict=False):
        if left != right:
            break
        common += 1
    for name in reversed(opened[common:]):
        out.append(f"</{name}>")
    for name in path[common:]:
        out.append(f"<{name}>")
    return path


def render_text(plan: DocumentPlan, source: Any) -> str:
    """The document for `source` (a model instance or its JSON dict) as XML text."""
    writer = _Writer(source)
    writer.out.append('<?xml version="1.0" encoding="UTF-8"?>\n')
    writer.group(plan.root, source, plan.declarations)
    return "".join(writer.out)
