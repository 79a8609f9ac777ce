"""The declarative mapping engine: one mapping file drives JSON -> UBL and UBL -> JSON.

    mapping = load_mapping("invoice.yaml")
    xml_bytes = mapping.render_bytes(model_or_dict)
    result = mapping.parse(parse_xml(xml_bytes))      # ParseResult(data, findings)

Render and parse walk the same entries (see mappings/README.md), so they cannot drift.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lxml import etree

from gateway.errors import UnsupportedDocumentError
from gateway.mapping.loader import DEFAULT_MAPPINGS_DIR, build_spec, iter_entries
from gateway.mapping.parse import (
    RULE_REPEATED,
    RULE_TYPE,
    RULE_UNMAPPED,
    ParseNode,
    ParseResult,
    compile_parse,
    parse_document,
)
from gateway.mapping.render import RenderStep, compile_render, namespace_map, render_document
from gateway.mapping.spec import Entry, MappingError, MappingSpec

__all__ = [
    "DEFAULT_MAPPINGS_DIR",
    "RULE_REPEATED",
    "RULE_TYPE",
    "RULE_UNMAPPED",
    "DocumentMapping",
    "Entry",
    "MappingError",
    "MappingSpec",
    "ParseResult",
    "iter_entries",
    "load_mapping",
]


class DocumentMapping:
    """A loaded, compiled mapping file. Immutable; share it freely (`load_mapping` caches)."""

    __slots__ = ("_nsmap", "_parse_root", "_render_plan", "spec")

    def __init__(self, spec: MappingSpec) -> None:
        self.spec = spec
        self._render_plan: tuple[RenderStep, ...] = compile_render(spec.fields)
        self._parse_root: ParseNode = compile_parse(spec.fields)
        self._nsmap = namespace_map(spec)

    @property
    def name(self) -> str:
        return self.spec.name

    def render(self, source: Any) -> Any:
        """The UBL root element for `source`: a canonical model or its JSON dict."""
        return render_document(self.spec, self._nsmap, self._render_plan, source)

    def render_bytes(self, source: Any, *, pretty: bool = False) -> bytes:
        result: bytes = etree.tostring(
            self.render(source), xml_declaration=True, encoding="UTF-8", pretty_print=pretty
        )
        return result

    def parse(self, root: Any, *, codec_rules: Mapping[str, str] | None = None) -> ParseResult:
        """The JSON dict (Python values) and findings for the document element `root`.

        `codec_rules` maps a codec name to the rule id reported when a value cannot be read
        (e.g. {"date": "PEPPOL-EN16931-F001"}); otherwise the rule id is GW-MODEL-TYPE.
        """
        if root.tag != self.spec.root_tag:
            raise UnsupportedDocumentError(
                f"the {self.spec.name} mapping reads {self.spec.root_tag}, not {root.tag}"
            )
        return parse_document(self.spec, self._parse_root, root, codec_rules)


@functools.lru_cache(maxsize=64)
def _load(path: Path) -> DocumentMapping:
    return DocumentMapping(build_spec(path))


def load_mapping(name: str, directory: Path | None = None) -> DocumentMapping:
    """The mapping file `name` from `directory` (default: the repository's mappings/).

    Loaded, flavour-resolved and compiled once per process.
    """
    base = DEFAULT_MAPPINGS_DIR if directory is None else directory
    return _load((base / name).resolve())
