"""UBL -> JSON dict, from the same entries the renderer walks.

The entries of each group are compiled into a trie keyed by Clark tag, so parsing walks the
children of each element once and dispatches by tag (no XPath evaluation). Parsing is
lenient: a value its codec cannot read becomes a fatal finding and is dropped; an element or
attribute the mapping does not cover becomes a warning; a singular element that occurs twice
keeps its first occurrence and warns. The result holds Python values (Decimal, date, bool,
str) ready for the canonical model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gateway.findings import Finding, Layer, Severity, json_pointer
from gateway.mapping.codecs import CodecError, read_text
from gateway.mapping.render import resolve_pointer
from gateway.mapping.spec import NS_XSI, Entry, Implied, MappingSpec

RULE_TYPE = "GW-MODEL-TYPE"
RULE_UNMAPPED = "GW-MAPPING-UNMAPPED"
RULE_REPEATED = "GW-MAPPING-REPEATED"

_XSI_PREFIX = f"{{{NS_XSI}}}"

Path = tuple[str | int, ...]
Pointer = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ValueRead:
    key: str
    name: str  # dotted JSON path, for messages
    bt: str | None
    codec: str
    read: Callable[[str], Any]
    repeated: bool
    implied: Implied | None
    implied_value: Any  # the implied literal as the codec reads it
    simple: bool  # singular, nothing implied: store what the codec reads
    plain: bool  # the same, and the text is kept as is: store the text
    pending: Pointer | None  # text kept as is, implied from this JSON pointer


@dataclass(frozen=True, slots=True)
class GroupRead:
    key: str
    repeated: bool
    node: ParseNode


@dataclass(slots=True)
class ParseNode:
    children: dict[str, ParseNode] = field(default_factory=dict)
    text: ValueRead | None = None
    attributes: dict[str, ValueRead] = field(default_factory=dict)
    group: GroupRead | None = None
    leaf: bool = False  # an element with a value (text, attributes) and nothing below


@dataclass(slots=True)
class ParseResult:
    data: dict[str, Any]
    findings: list[Finding]


def compile_parse(entries: tuple[Entry, ...], prefix: str = "") -> ParseNode:
    root = ParseNode()
    for entry in entries:
        name = f"{prefix}.{entry.json}" if prefix else entry.json
        node = root
        for tag in entry.xpath.elements:
            node = node.children.setdefault(tag, ParseNode())
        if entry.fields is not None:
            node.group = GroupRead(entry.json, entry.card.repeated,
                                   compile_parse(entry.fields, name))
            continue
        assert entry.codec is not None  # loader guarantees: a value entry has a codec
        read = _value_read(entry, name)
        if entry.xpath.attribute is None:
            node.text = read
        else:
            node.attributes[entry.xpath.attribute] = read
    _mark_leaves(root)
    return root


def _value_read(entry: Entry, name: str) -> ValueRead:
    assert entry.codec is not None
    implied = entry.implied
    literal = None if implied is None else implied.literal
    as_text = entry.codec.read is read_text and not entry.card.repeated
    simple = not entry.card.repeated and implied is None
    return ValueRead(entry.json, name, entry.bt, entry.codec.name, entry.codec.read,
                     entry.card.repeated, implied,
                     None if literal is None else entry.codec.read(literal),
                     simple, simple and as_text,
                     implied.pointer if as_text and implied is not None else None)


def _mark_leaves(node: ParseNode) -> None:
    for child in node.children.values():
        child.leaf = not child.children and child.group is None
        _mark_leaves(child)


class _Context:
    __slots__ = ("codec_rules", "findings", "pending", "prefixes", "spec")

    def __init__(self, spec: MappingSpec, codec_rules: Mapping[str, str]) -> None:
        self.spec = spec
        self.codec_rules = codec_rules
        self.findings: list[Finding] = []
        self.pending: list[tuple[dict[str, Any], str, Pointer, Any]] = []
        self.prefixes = {uri: prefix for prefix, uri in spec.namespaces.items()}

    def xpath(self, element: Any, attribute: str | None = None) -> str:
        steps: list[str] = []
        current = element
        while current is not None:
            parent = current.getparent()
            step = self._step(current.tag)
            if parent is not None:
                same = [c for c in parent.iterchildren(current.tag)]
                if len(same) > 1:
                    step += f"[{same.index(current) + 1}]"
            steps.append(step)
            current = parent
        text = "/" + "/".join(reversed(steps))
        if attribute is not None:
            text += "/@" + self._step(attribute)
        return text

    def _step(self, tag: str) -> str:
        if not tag.startswith("{"):
            return tag
        uri, _, local = tag[1:].partition("}")
        if uri == self.spec.namespace:
            return local
        prefix = self.prefixes.get(uri)
        return f"{prefix}:{local}" if prefix else f"*[local-name()='{local}']"

    def value_error(self, element: Any, read: ValueRead, pointer: Path, attribute: str | None,
                    problem: str) -> None:
        rule = self.codec_rules.get(read.codec)
        term = f" ({read.bt})" if read.bt else ""
        self.findings.append(Finding(
            rule_id=rule or RULE_TYPE, severity=Severity.FATAL,
            layer=Layer.RULES if rule else Layer.MODEL,
            message=f"{read.name}{term}: {problem}; the value was left out",
            xpath=self.xpath(element, attribute), json_pointer=json_pointer(pointer), bt=read.bt,
        ))

    def unmapped(self, element: Any, pointer: Path, attribute: str | None = None) -> None:
        what = "attribute" if attribute is not None else "element"
        self.findings.append(Finding(
            rule_id=RULE_UNMAPPED, severity=Severity.WARNING, layer=Layer.MODEL,
            message=f"{what} {self.xpath(element, attribute)} is not covered by the "
                    f"{self.spec.name} mapping; it was ignored",
            xpath=self.xpath(element, attribute), json_pointer=json_pointer(pointer),
        ))

    def repeated(self, element: Any, name: str, pointer: Path) -> None:
        self.findings.append(Finding(
            rule_id=RULE_REPEATED, severity=Severity.WARNING, layer=Layer.MODEL,
            message=f"{name} may occur only once here; this occurrence "
                    f"{self.xpath(element)} was ignored",
            xpath=self.xpath(element), json_pointer=json_pointer(pointer),
        ))


def parse_document(spec: MappingSpec, node: ParseNode, root: Any,
                   codec_rules: Mapping[str, str] | None = None) -> ParseResult:
    """Read `root` (the document element, already checked to be spec.root_tag)."""
    context = _Context(spec, codec_rules or {})
    data: dict[str, Any] = {}
    _read(root, node, data, (), context)
    implied: dict[Pointer, Any] = {}
    for target, key, pointer, value in context.pending:
        if pointer not in implied:
            implied[pointer] = resolve_pointer(data, pointer)
        if implied[pointer] == value:
            del target[key]
    return ParseResult(data, context.findings)


def _read(element: Any, node: ParseNode, target: dict[str, Any], path: Path,
          context: _Context) -> None:
    pairs = element.items()
    if pairs:
        _read_attributes(element, pairs, node, target, path, context)
    if node.text is not None:
        _store(element, node.text, element.text or "", target, path, context, None)
    children = node.children
    for child in element:
        sub = children.get(child.tag)
        if sub is None:
            if child.tag.__class__ is str:  # not a comment or processing instruction
                context.unmapped(child, path)
            continue
        if sub.leaf:
            # Most elements carry one value: read them here, without a call per element.
            read = sub.text
            if read is not None:
                text = child.text
                if text is None:
                    text = ""
                key = read.key
                if key in target or not read.simple:
                    _store(child, read, text, target, path, context, None)
                elif read.plain:
                    target[key] = text
                else:
                    try:
                        target[key] = read.read(text)
                    except CodecError as exc:
                        context.value_error(child, read, (*path, key), None, str(exc))
            pairs = child.items()
            if pairs:
                attributes = sub.attributes
                for name, value in pairs:
                    read = attributes.get(name)
                    if read is None:
                        if not name.startswith(_XSI_PREFIX):
                            context.unmapped(child, path, name)
                    elif read.key in target:
                        _store(child, read, value, target, path, context, name)
                    elif read.plain:
                        target[read.key] = value
                    elif read.pending is not None:
                        target[read.key] = value
                        context.pending.append((target, read.key, read.pending, value))
                    else:
                        _store(child, read, value, target, path, context, name)
            continue
        group = sub.group
        if group is None:
            _read(child, sub, target, path, context)
            continue
        key = group.key
        item: dict[str, Any] = {}
        if group.repeated:
            items = target.get(key)
            if items is None:
                items = target[key] = []
            sub_path: Path = (*path, key, len(items))
            items.append(item)
        elif key in target:
            context.repeated(child, key, (*path, key))
            continue
        else:
            target[key] = item
            sub_path = (*path, key)
        _read(child, group.node, item, sub_path, context)


def _read_attributes(element: Any, pairs: list[tuple[str, str]], node: ParseNode,
                     target: dict[str, Any], path: Path, context: _Context) -> None:
    attributes = node.attributes
    for name, value in pairs:
        read = attributes.get(name)
        if read is not None:
            _store(element, read, value, target, path, context, name)
        elif not name.startswith(_XSI_PREFIX):
            context.unmapped(element, path, name)


def _store(element: Any, read: ValueRead, text: str, target: dict[str, Any], path: Path,
           context: _Context, attribute: str | None) -> None:
    key = read.key
    try:
        value = read.read(text)
    except CodecError as exc:
        index = len(target.get(key) or ()) if read.repeated else None
        pointer = (*path, key) if index is None else (*path, key, index)
        context.value_error(element, read, pointer, attribute, str(exc))
        return
    if read.repeated:
        values = target.get(key)
        if values is None:
            target[key] = [value]
        else:
            values.append(value)
        return
    if key in target:
        context.repeated(element, read.name, (*path, key))
        return
    implied = read.implied
    if implied is not None:
        if implied.pointer is None:
            if value == read.implied_value:
                return
        else:
            context.pending.append((target, key, implied.pointer, value))
    target[key] = value
