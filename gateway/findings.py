"""One result type for every validation layer: `Finding`, grouped in a `Report`.

The API renders findings as problem+json, the CLI as text or JSON, transports as
MLR / ebMS error codes. The rule id is the key (EN 16931 / Peppol id where one exists).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    FATAL = "fatal"
    WARNING = "warning"
    INFO = "info"


class Layer(StrEnum):
    """Validation layers, in the order they run."""

    PARSE = "parse"  # hardened XML / JSON reading
    MODEL = "model"  # canonical model types (JSON input, values that cannot be read as their type)
    XSD = "xsd"  # official UBL schema
    SCHEMATRON = "schematron"  # official compiled Schematron (saxonche)
    RULES = "rules"  # own business rules over the canonical model


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    severity: Severity
    layer: Layer
    message: str
    xpath: str | None = None
    json_pointer: str | None = None
    bt: str | None = None

    @property
    def is_fatal(self) -> bool:
        return self.severity is Severity.FATAL

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "layer": self.layer.value,
            "message": self.message,
            "xpath": self.xpath,
            "json_pointer": self.json_pointer,
            "bt": self.bt,
        }


@dataclass(slots=True)
class Report:
    """Findings of one validation run, with what ran and what was skipped."""

    document_type: str | None
    findings: list[Finding] = field(default_factory=list)
    layers_run: list[Layer] = field(default_factory=list)
    layers_skipped: list[Layer] = field(default_factory=list)
    artefacts_version: str | None = None

    @property
    def valid(self) -> bool:
        return not any(f.is_fatal for f in self.findings)

    @property
    def fatal(self) -> list[Finding]:
        return [f for f in self.findings if f.is_fatal]

    def fatal_rule_ids(self) -> set[str]:
        return {f.rule_id for f in self.findings if f.is_fatal}

    def extend(self, layer: Layer, findings: Iterable[Finding]) -> None:
        self.layers_run.append(layer)
        self.findings.extend(findings)

    def skip(self, *layers: Layer) -> None:
        self.layers_skipped.extend(layers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "document_type": self.document_type,
            "artefacts_version": self.artefacts_version,
            "findings": [f.to_dict() for f in self.findings],
            "layers_run": [layer.value for layer in self.layers_run],
            "layers_skipped": [layer.value for layer in self.layers_skipped],
        }


def json_pointer(path: Iterable[str | int]) -> str:
    """RFC 6901 pointer from a sequence of keys and indexes."""
    parts = (str(p).replace("~", "~0").replace("/", "~1") for p in path)
    return "".join("/" + p for p in parts)
