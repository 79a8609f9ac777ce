"""JSON (a canonical model or its dict form) -> UBL, walking the mapping entries in order.

Entries are in schema order, so the output always is. An entry reuses the elements the
previous entry opened when their XPaths share a prefix (several cbc under one cac:Party);
a group's or a repeated entry's own element is always new.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree

from gateway.mapping.spec import Entry, Implied, MappingSpec

_LEAF, _GROUP, _LEAF_LIST, _GROUP_LIST = range(4)  # lists last: kind >= _LEAF_LIST


@dataclass(frozen=True, slots=True)
class RenderStep:
    key: str
    kind: int
    prefix: tuple[str, ...]  # elements opened (and shared) before the entry's own element
    own: str | None  # the entry's own element: new for groups and repeated entries
    attribute: str | None
    write: Callable[[Any], str] | None
    implied: Implied | None
    plan: tuple[RenderStep, ...]


def compile_render(entries: tuple[Entry, ...]) -> tuple[RenderStep, ...]:
    return tuple(_compile_step(entry) for entry in entries)


def _compile_step(entry: Entry) -> RenderStep:
    elements = entry.xpath.elements
    repeated = entry.card.repeated
    if entry.fields is not None:
        kind = _GROUP_LIST if repeated else _GROUP
    else:
        kind = _LEAF_LIST if repeated else _LEAF
    exclusive = kind != _LEAF
    return RenderStep(
        key=entry.json,
        kind=kind,
        prefix=elements[:-1] if exclusive else elements,
        own=elements[-1] if exclusive else None,
        attribute=entry.xpath.attribute,
        write=entry.codec.write if entry.codec is not None else None,
        implied=entry.implied,
        plan=compile_render(entry.fields) if entry.fields is not None else (),
    )


def _get(source: Any, key: str) -> Any:
    if isinstance(source, Mapping):
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


def namespace_map(spec: MappingSpec) -> dict[str | None, str]:
    """Root namespace as default, plus the prefixes the entries actually use."""
    used: set[str] = set()
    stack = list(spec.fields)
    while stack:
        entry = stack.pop()
        names = [*entry.xpath.elements, entry.xpath.attribute or ""]
        used.update(name[1:].partition("}")[0] for name in names if name.startswith("{"))
        stack.extend(entry.fields or ())
    nsmap: dict[str | None, str] = {None: spec.namespace}
    nsmap.update(
        (prefix, uri) for prefix, uri in spec.namespaces.items()
        if uri in used and uri != spec.namespace
    )
    return nsmap


def render_document(spec: MappingSpec, nsmap: dict[str | None, str],
                    plan: tuple[RenderStep, ...], source: Any) -> Any:
    """The UBL root element for `source` (a model instance or its JSON dict)."""
    root = etree.Element(spec.root_tag, nsmap=nsmap)
    _render_group(root, plan, source, source)
    return root


def _render_group(element: Any, plan: tuple[RenderStep, ...], source: Any, root: Any) -> None:
    is_mapping = isinstance(source, Mapping)
    chain: list[tuple[str, Any]] = []
    for step in plan:
        value = source.get(step.key) if is_mapping else getattr(source, step.key, None)
        if value is None or (step.kind >= _LEAF_LIST and not value):
            value = _implied_value(step, chain, root)
            if value is None:
                continue
        parent = _open(element, chain, step.prefix) if step.prefix else element
        kind = step.kind
        if kind == _LEAF:
            text = step.write(value)  # type: ignore[misc]
            if step.attribute is None:
                parent.text = text
            else:
                parent.set(step.attribute, text)
            continue
        del chain[len(step.prefix):]
        if kind == _GROUP:
            _render_group(etree.SubElement(parent, step.own), step.plan, value, root)
        elif kind == _GROUP_LIST:
            for item in value:
                _render_group(etree.SubElement(parent, step.own), step.plan, item, root)
        else:
            write = step.write
            for item in value:
                etree.SubElement(parent, step.own).text = write(item)  # type: ignore[misc]


def _implied_value(step: RenderStep, chain: list[tuple[str, Any]], root: Any) -> Any:
    """The implied value to write, if any.

    An implied attribute is written only on an element that other entries already wrote
    (a currencyID needs its amount); implied element text whenever its group is rendered.
    """
    implied = step.implied
    if implied is None:
        return None
    if step.attribute is not None and step.prefix:
        path = step.prefix
        if len(chain) < len(path) or any(chain[i][0] != tag for i, tag in enumerate(path)):
            return None
    if implied.pointer is None:
        return implied.literal
    return resolve_pointer(root, implied.pointer)


def _open(element: Any, chain: list[tuple[str, Any]], path: tuple[str, ...]) -> Any:
    """The element at `path` under `element`, reusing what the previous entry opened."""
    depth = 0
    limit = len(chain)
    for tag in path:
        if depth < limit and chain[depth][0] == tag:
            element = chain[depth][1]
            depth += 1
            continue
        del chain[depth:]
        limit = depth
        element = etree.SubElement(element, tag)
        chain.append((tag, element))
        depth += 1
    if depth < len(chain):
        del chain[depth:]
    return element
