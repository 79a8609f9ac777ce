"""The layered validator: parse -> XSD -> Schematron -> own layers, stopping at the first fatal.

As in phive's ValidationExecutionManager, layers run in order; after a layer that produced a
fatal finding the remaining layers do not run and are recorded in `Report.layers_skipped`.
Schematron results on an XSD-invalid document are not meaningful (the rules assume UBL
structure), which is why the XSD layer gates it. Without artefacts both official layers are
skipped and recorded as such; the own layers still run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from lxml import etree

from gateway.documents.registry import REGISTRY, DocumentType
from gateway.errors import ArtefactsError
from gateway.findings import Finding, Layer, Report
from gateway.validation.artefacts import Artefacts, normalise_rule_set
from gateway.xml.parser import DEFAULT_MAX_BYTES, parse_xml

if TYPE_CHECKING:
    from gateway.settings import Settings
    from gateway.validation.official import OfficialValidator

OwnLayer = Callable[[etree._Element, DocumentType], list[Finding]]
"""An own validation layer. Set a `layer` attribute on it to record it as other than RULES."""


def layer_of(own: OwnLayer) -> Layer:
    layer = getattr(own, "layer", Layer.RULES)
    return layer if isinstance(layer, Layer) else Layer.RULES


def sniff_type(root: etree._Element) -> DocumentType:
    """The registry type of a parsed document: root namespace + cbc:CustomizationID."""
    return REGISTRY.for_element(root)


class Validator:
    """Validates documents layer by layer. Thread-safe; one per process is enough."""

    def __init__(
        self,
        artefacts: Artefacts | OfficialValidator | None = None,
        *,
        settings: Settings | None = None,
        own_layers: Sequence[OwnLayer] = (),
    ) -> None:
        if artefacts is None and settings is not None:
            directory = settings.resolved_artefacts_dir()
            artefacts = Artefacts(directory) if directory is not None else None
        self.official = _official(artefacts)
        self.own_layers = tuple(own_layers)
        self.max_bytes = settings.max_document_bytes if settings else DEFAULT_MAX_BYTES

    @property
    def artefacts_version(self) -> str | None:
        return self.official.version if self.official else None

    def validate_xml(
        self,
        data: bytes,
        *,
        doc_type: DocumentType | None = None,
        rule_sets: tuple[str, ...] | None = None,
    ) -> Report:
        """Validate one UBL document. InputError / UnsupportedDocumentError propagate."""
        root = parse_xml(data, max_bytes=self.max_bytes)
        doc_type = doc_type or sniff_type(root)
        report = Report(document_type=doc_type.key, artefacts_version=self.artefacts_version)
        report.extend(Layer.PARSE, [])
        stopped = self._official_layers(report, data, root, doc_type, rule_sets)
        for own in self.own_layers:
            if stopped:
                report.skip(layer_of(own))
                continue
            findings = own(root, doc_type)
            report.extend(layer_of(own), findings)
            stopped = any(f.is_fatal for f in findings)
        return report

    def validate_unit_fragment(self, xml_bytes: bytes, rule_sets: Sequence[str]) -> Report:
        """Schematron only, for vefa unit-test fragments (never XSD-valid by design)."""
        official = self._require_official("unit-test fragments")
        parse_xml(xml_bytes, max_bytes=self.max_bytes)  # refuse hostile input before Saxon sees it
        report = Report(document_type=None, artefacts_version=official.version)
        report.extend(Layer.PARSE, [])
        report.skip(Layer.XSD)
        report.extend(Layer.SCHEMATRON, official.check_schematron(bytes(xml_bytes), rule_sets))
        return report

    def _official_layers(
        self,
        report: Report,
        data: bytes,
        root: etree._Element,
        doc_type: DocumentType,
        rule_sets: tuple[str, ...] | None,
    ) -> bool:
        """Run XSD then Schematron into `report`; True when a fatal finding stops the run."""
        if self.official is None:
            if rule_sets:
                raise ArtefactsError("rule sets were requested but no artefacts are configured")
            report.skip(Layer.XSD, Layer.SCHEMATRON)
            return False
        xsd = self.official.check_xsd(root, doc_type.xsd)
        report.extend(Layer.XSD, xsd)
        if any(f.is_fatal for f in xsd):
            report.skip(Layer.SCHEMATRON)
            return True
        chosen = doc_type.rule_sets
        if rule_sets:
            chosen = tuple(normalise_rule_set(r) for r in rule_sets)
        schematron = self.official.check_schematron(data, chosen)
        report.extend(Layer.SCHEMATRON, schematron)
        return any(f.is_fatal for f in schematron)

    def _require_official(self, purpose: str) -> OfficialValidator:
        if self.official is None:
            raise ArtefactsError(f"{purpose} need the official artefacts; none are configured")
        return self.official


def _official(artefacts: Artefacts | OfficialValidator | None) -> OfficialValidator | None:
    if artefacts is None:
        return None
    # Imported here so that a gateway without artefacts never loads saxonche.
    from gateway.validation.official import OfficialValidator

    if isinstance(artefacts, OfficialValidator):
        return artefacts
    return OfficialValidator(artefacts)
