"""Load mapping files (YAML, safe C loader), resolve `extends` flavours and check the entries.

A file is loaded, resolved and compiled once per process (`load_mapping` is cached): the
engine then renders and parses from precomputed Clark names without re-reading anything.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from gateway.mapping.codecs import CODECS, CodecError
from gateway.mapping.flavour import apply_changes
from gateway.mapping.spec import (
    DEFAULT_NAMESPACES,
    Cardinality,
    Entry,
    Implied,
    MappingError,
    MappingSpec,
    XPath,
)

DEFAULT_MAPPINGS_DIR = Path(__file__).resolve().parents[2] / "mappings"

_FILE_KEYS = {"format", "document", "root", "namespace", "namespaces", "fields", "extends",
              "changes", "description"}
_ENTRY_KEYS = {"bt", "json", "xpath", "codec", "card", "fields", "implied", "description"}
_MAX_EXTENDS_DEPTH = 8


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = yaml.load(handle, Loader=yaml.CSafeLoader)
    except FileNotFoundError:
        raise MappingError(f"mapping file {path} not found") from None
    except yaml.YAMLError as exc:
        raise MappingError(f"mapping file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise MappingError(f"mapping file {path} must hold a YAML mapping at the top")
    unknown = set(data) - _FILE_KEYS
    if unknown:
        raise MappingError(f"mapping file {path}: unknown top-level keys {sorted(unknown)}")
    return data


def resolve_raw(path: Path, depth: int = 0) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The file's content with its `extends` chain applied, and the chain of file names."""
    if depth > _MAX_EXTENDS_DEPTH:
        raise MappingError(f"mapping file {path}: `extends` chain is too deep (a cycle?)")
    data = read_yaml(path)
    parent_name = data.get("extends")
    if parent_name is None:
        if "changes" in data:
            raise MappingError(f"mapping file {path}: `changes` needs `extends`")
        return data, (path.name,)
    parent, lineage = resolve_raw(path.parent / str(parent_name), depth + 1)
    if path.name in lineage:
        raise MappingError(f"mapping file {path}: `extends` cycle through {lineage}")
    if "fields" in data:
        raise MappingError(f"mapping file {path}: a flavour lists `changes`, not `fields`")
    merged = copy.deepcopy(parent)
    for key in ("document", "root", "namespace", "description"):
        if key in data:
            merged[key] = data[key]
    merged["namespaces"] = {**parent.get("namespaces", {}), **data.get("namespaces", {})}
    try:
        merged["fields"] = apply_changes(merged.get("fields", []), data.get("changes", []))
    except ValueError as exc:
        raise MappingError(f"mapping file {path}: {exc}") from None
    return merged, (path.name, *lineage)


def build_spec(path: Path) -> MappingSpec:
    raw, lineage = resolve_raw(path)
    for key in ("root", "namespace", "fields"):
        if key not in raw:
            raise MappingError(f"mapping file {path}: `{key}` is missing")
    namespaces = {**DEFAULT_NAMESPACES, **raw.get("namespaces", {})}
    try:
        fields = _build_entries(raw["fields"], namespaces, "")
        check_layout(fields)
    except ValueError as exc:
        raise MappingError(f"mapping file {path}: {exc}") from None
    return MappingSpec(
        name=path.name, source=path, root=str(raw["root"]), namespace=str(raw["namespace"]),
        namespaces=namespaces, fields=fields, lineage=lineage,
    )


def _build_entries(raw: Any, namespaces: dict[str, str], where: str) -> tuple[Entry, ...]:
    if not isinstance(raw, list):
        raise ValueError(f"{where or 'fields'}: `fields` must be a list of entries")
    entries = tuple(_build_entry(item, namespaces, where) for item in raw)
    seen: set[str] = set()
    for entry in entries:
        if entry.json in seen:
            raise ValueError(f"{where or 'top level'}: JSON key {entry.json!r} is used twice")
        seen.add(entry.json)
    return entries


def _build_entry(raw: Any, namespaces: dict[str, str], where: str) -> Entry:
    if not isinstance(raw, dict) or "json" not in raw or "xpath" not in raw:
        raise ValueError(f"{where or 'top level'}: every entry needs `json` and `xpath`: {raw!r}")
    name = f"{where}.{raw['json']}" if where else str(raw["json"])
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise ValueError(f"entry {name}: unknown keys {sorted(unknown)}")
    try:
        xpath = XPath.parse(str(raw["xpath"]), namespaces)
        card = Cardinality.parse(raw.get("card", "0..1"))
    except ValueError as exc:
        raise ValueError(f"entry {name}: {exc}") from None
    implied = _implied(raw.get("implied"), name)
    if "fields" in raw:
        return _group_entry(raw, name, xpath, card, implied, namespaces)
    codec_name = raw.get("codec")
    if codec_name not in CODECS:
        raise ValueError(
            f"entry {name}: codec {codec_name!r} is not one of {', '.join(sorted(CODECS))}"
        )
    if card.repeated and (xpath.attribute is not None or not xpath.elements):
        raise ValueError(f"entry {name}: only an element can repeat, not an attribute or `.`")
    if implied is not None and card.repeated:
        raise ValueError(f"entry {name}: a repeated value cannot have an implied value")
    if implied is not None and implied.literal is not None:
        try:
            CODECS[codec_name].read(implied.literal)
        except CodecError as exc:
            raise ValueError(f"entry {name}: implied value: {exc}") from None
    return Entry(json=str(raw["json"]), xpath=xpath, card=card, codec=CODECS[codec_name],
                 fields=None, bt=_bt(raw), implied=implied, description=raw.get("description"))


def _group_entry(raw: dict[str, Any], name: str, xpath: XPath, card: Cardinality,
                 implied: Implied | None, namespaces: dict[str, str]) -> Entry:
    if "codec" in raw:
        raise ValueError(f"entry {name}: a group has `fields`, not a `codec`")
    if implied is not None:
        raise ValueError(f"entry {name}: a group cannot have an implied value")
    if xpath.attribute is not None or not xpath.elements:
        raise ValueError(f"entry {name}: a group's xpath must end in an element")
    fields = _build_entries(raw["fields"], namespaces, name)
    return Entry(json=str(raw["json"]), xpath=xpath, card=card, codec=None, fields=fields,
                 bt=_bt(raw), description=raw.get("description"))


def _bt(raw: dict[str, Any]) -> str | None:
    value = raw.get("bt")
    return None if value is None else str(value)


def _implied(raw: Any, name: str) -> Implied | None:
    if raw is None:
        return None
    if isinstance(raw, dict):
        pointer = raw.get("from")
        if set(raw) != {"from"} or not isinstance(pointer, str) or not pointer.startswith("/"):
            raise ValueError(f"entry {name}: `implied` is a literal or {{from: /json/pointer}}")
        return Implied(pointer=tuple(pointer[1:].split("/")))
    if isinstance(raw, bool | int | float):
        raise ValueError(f"entry {name}: write the implied value as a string")
    return Implied(literal=str(raw))


def check_layout(entries: tuple[Entry, ...], where: str = "") -> None:
    """Entries that share an element must be consecutive, so render keeps schema order.

    The renderer reuses the elements the previous entry opened; an element path that is closed
    and opened again would produce a second element, which the parser could not tell apart.
    A group's or a repeated entry's own element is never shared with a sibling.
    """
    closed: set[tuple[str, ...]] = set()
    open_path: tuple[str, ...] = ()
    written: set[tuple[tuple[str, ...], str | None]] = set()
    values: set[tuple[str, ...]] = set()  # elements that carry a value: leaves
    for entry in entries:
        path = entry.xpath.elements
        name = f"{where}.{entry.json}" if where else entry.json
        if any(path[:k] in values for k in range(1, len(path))):
            raise ValueError(f"entry {name}: {entry.xpath.text!r} goes below an element "
                             "that another entry gives a value")
        common = _common_prefix(open_path, path)
        closed.update(open_path[:k] for k in range(common + 1, len(open_path) + 1))
        for k in range(1, len(path) + 1):
            if path[:k] in closed:
                raise ValueError(
                    f"entry {name}: its element {entry.xpath.text!r} was already closed by an "
                    "earlier entry; keep entries that share elements together, in schema order"
                )
        exclusive = entry.is_group or entry.card.repeated
        if exclusive and common == len(path) and path:
            raise ValueError(f"entry {name}: a group or repeated element cannot be shared")
        target = (path, entry.xpath.attribute)
        if not exclusive and entry.xpath.attribute is None and path:
            values.add(path)
        if not exclusive:
            if target in written:
                raise ValueError(f"entry {name}: another entry already writes {entry.xpath.text!r}")
            written.add(target)
        if exclusive:
            closed.add(path)
            open_path = path[:-1]
        else:
            open_path = path
        if entry.fields is not None:
            check_layout(entry.fields, name)


def _common_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    count = 0
    for left, right in zip(a, b, strict=False):
        if left != right:
            break
        count += 1
    return count


def iter_entries(entries: tuple[Entry, ...], prefix: str = "") -> Iterator[tuple[str, Entry]]:
    """Every entry with its dotted JSON path (`lines.item.name`), depth first."""
    for entry in entries:
        path = f"{prefix}.{entry.json}" if prefix else entry.json
        yield path, entry
        if entry.fields is not None:
            yield from iter_entries(entry.fields, path)
