"""Flavours: a mapping file that `extends` a parent and lists its differences as `changes`.

Each change addresses an entry by its dotted JSON path (`lines.quantity`) and says why
(`why`, usually quoting the rule id or the UBL schema difference), so a flavour reads as a
labelled diff over its parent (the habit of Odoo's UBL 2.1 -> BIS 3 -> XRechnung classes).

Operations:
  set: PATH       + entry keys to replace (xpath, bt, codec, card, implied, json, description)
  remove: PATH
  move: PATH      + before: PATH | after: PATH   (a sibling in the same list)
  insert: ENTRY   + before: PATH | after: PATH | into: GROUP-PATH (appended)
"""

from __future__ import annotations

import copy
from typing import Any

_SETTABLE = {"xpath", "bt", "codec", "card", "implied", "json", "description", "fields"}
_OPERATIONS = ("set", "remove", "move", "insert")
_CHANGE_KEYS = {*_OPERATIONS, "before", "after", "into", "why", "rule", *_SETTABLE}


def apply_changes(fields: list[Any], changes: Any) -> list[Any]:
    """A new entry list: `fields` with every change applied in order."""
    if not isinstance(changes, list):
        raise ValueError("`changes` must be a list")
    result = copy.deepcopy(fields)
    for number, change in enumerate(changes, start=1):
        try:
            _apply(result, change)
        except ValueError as exc:
            raise ValueError(f"change #{number} ({_describe(change)}): {exc}") from None
    return result


def _describe(change: Any) -> str:
    if isinstance(change, dict):
        for op in _OPERATIONS:
            if op in change:
                target = change[op]
                return f"{op} {target.get('json') if isinstance(target, dict) else target}"
    return repr(change)


def _apply(fields: list[Any], change: Any) -> None:
    if not isinstance(change, dict):
        raise ValueError("a change is a mapping")
    ops = [op for op in _OPERATIONS if op in change]
    if len(ops) != 1:
        raise ValueError(f"a change has exactly one of {', '.join(_OPERATIONS)}")
    unknown = set(change) - _CHANGE_KEYS
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    if not change.get("why"):
        raise ValueError("every change says `why` (the rule id or schema difference)")
    op = ops[0]
    if op == "set":
        _set(fields, change)
    elif op == "remove":
        siblings, index = _locate(fields, str(change["remove"]))
        del siblings[index]
    elif op == "move":
        siblings, index = _locate(fields, str(change["move"]))
        entry = siblings.pop(index)
        _place(fields, siblings, entry, change)
    else:
        _insert(fields, change)


def _set(fields: list[Any], change: dict[str, Any]) -> None:
    siblings, index = _locate(fields, str(change["set"]))
    updates = {k: v for k, v in change.items() if k in _SETTABLE}
    if not updates:
        raise ValueError("`set` changes nothing")
    siblings[index] = {**siblings[index], **updates}


def _insert(fields: list[Any], change: dict[str, Any]) -> None:
    entry = change["insert"]
    if not isinstance(entry, dict):
        raise ValueError("`insert` takes an entry")
    if "into" in change:
        group_siblings, group_index = _locate(fields, str(change["into"]))
        group = group_siblings[group_index]
        if "fields" not in group:
            raise ValueError(f"{change['into']!r} is not a group")
        group["fields"].append(copy.deepcopy(entry))
        return
    anchor = change.get("before") or change.get("after")
    if anchor is None:
        raise ValueError("`insert` needs `before`, `after` or `into`")
    siblings, _ = _locate(fields, str(anchor))
    _place(fields, siblings, copy.deepcopy(entry), change)


def _place(fields: list[Any], siblings: list[Any], entry: Any, change: dict[str, Any]) -> None:
    if ("before" in change) == ("after" in change):
        raise ValueError("give exactly one of `before` and `after`")
    anchor = str(change.get("before") or change.get("after"))
    anchor_siblings, anchor_index = _locate(fields, anchor)
    if anchor_siblings is not siblings:
        raise ValueError(f"{anchor!r} is not a sibling of the entry")
    position = anchor_index if "before" in change else anchor_index + 1
    siblings.insert(position, entry)


def _locate(fields: list[Any], path: str) -> tuple[list[Any], int]:
    """The list holding the entry at dotted JSON path `path`, and its index there."""
    siblings = fields
    parts = path.split(".")
    for depth, key in enumerate(parts):
        index = next(
            (i for i, item in enumerate(siblings)
             if isinstance(item, dict) and item.get("json") == key),
            None,
        )
        if index is None:
            raise ValueError(f"no entry {'.'.join(parts[: depth + 1])!r} in the parent mapping")
        if depth == len(parts) - 1:
            return siblings, index
        nested = siblings[index].get("fields")
        if not isinstance(nested, list):
            raise ValueError(f"{'.'.join(parts[: depth + 1])!r} is not a group")
        siblings = nested
    raise ValueError(f"empty path {path!r}")
