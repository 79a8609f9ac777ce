"""Public conversions between UBL, canonical models and their JSON form, for every type.

    doc_type, model, findings = xml_to_model(xml_bytes)        # sniffed from root + CustomizationID
    xml_bytes = model_to_xml(model, doc_type)
    model, findings = json_to_model(json_bytes_or_dict, "invoice")
    json_dict = model_to_json(model)          # model_dump(mode="json", exclude_none=True)
    json_bytes = model_to_json_bytes(model)   # the same, compact, as bytes
    doc_type, json_dict, findings = xml_to_json(xml_bytes)   # the same as the two above
    doc_type, json_bytes, findings = xml_to_json_bytes(xml_bytes)

The mapping file of the type (mappings/<name>.yaml) drives both directions. Reading UBL is
lenient (see mappings/README.md): only input that is not well-formed XML, or not a supported
document, raises. Reading JSON is strict: type errors raise DocumentInvalid with findings.
"""

from __future__ import annotations

import functools
import gc
import importlib
from collections.abc import Mapping
from typing import Any, Protocol, cast

import pydantic_core
from pydantic import BaseModel, ValidationError

from gateway.documents.fast_json import fast_json
from gateway.documents.registry import REGISTRY, DocumentType
from gateway.errors import DocumentInvalid, UnsupportedDocumentError
from gateway.findings import Finding, Layer, Severity, json_pointer
from gateway.jsonio import load_json
from gateway.mapping import RULE_TYPE, load_mapping
from gateway.mapping.spec import NS_CBC
from gateway.xml.parser import DEFAULT_MAX_BYTES, parse_xml

_CUSTOMIZATION_ID = f"{{{NS_CBC}}}CustomizationID"
RULE_PEPPOL_DATE = "PEPPOL-EN16931-F001"
RULE_JSON_TYPE = "GW-JSON-TYPE"
RULE_JSON_UNKNOWN = "GW-JSON-UNKNOWN-FIELD"
RULE_JSON_MISSING = "GW-JSON-MISSING"

DocTypeArg = DocumentType | str


class Completable(Protocol):
    """A model that derives values the JSON may omit (totals, VAT breakdown, ...)."""

    def complete(self, *, copy: bool = True) -> tuple[Any, list[Finding]]: ...


def resolve_type(doc_type: DocTypeArg) -> DocumentType:
    return doc_type if isinstance(doc_type, DocumentType) else REGISTRY.get(doc_type)


@functools.cache
def _model_class(model_path: str) -> type[BaseModel]:
    module_name, _, class_name = model_path.partition(":")
    model: type[BaseModel] = getattr(importlib.import_module(module_name), class_name)
    return model


def model_class(doc_type: DocumentType) -> type[BaseModel]:
    """The type's canonical model class (imported once)."""
    return _model_class(doc_type.model_path)


def sniff(root: Any) -> DocumentType:
    """The registered type of a parsed document: root namespace + cbc:CustomizationID."""
    return REGISTRY.for_element(root)


def xml_to_model(data: bytes, doc_type: DocTypeArg | None = None, *,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[DocumentType, Any, list[Finding]]:
    """Parse UBL bytes (hardened parser) into the type's canonical model.

    Raises InputError for unreadable XML and UnsupportedDocumentError for an unknown type;
    everything else becomes findings (values dropped, unmapped content warned about).
    """
    return element_to_model(parse_xml(data, max_bytes=max_bytes), doc_type)


def element_to_model(root: Any, doc_type: DocTypeArg | None = None
                     ) -> tuple[DocumentType, Any, list[Finding]]:
    """Like `xml_to_model` for a root element already parsed with `parse_xml`."""
    resolved = sniff(root) if doc_type is None else resolve_type(doc_type)
    expected = f"{{{resolved.namespace}}}{resolved.root}"
    if root.tag != expected:
        raise UnsupportedDocumentError(
            f"a {resolved.key} document has root element {expected}, not {root.tag}"
        )
    mapping = load_mapping(resolved.mapping)
    with gc_paused():
        result = mapping.parse(root, codec_rules=_codec_rules(resolved.rule_sets))
        model, problems = validate_lenient(model_class(resolved), result.data)
        findings = [*result.findings, *problems]
        del result  # freed while paused: the collector would otherwise walk it once more
    return resolved, model, findings


def xml_to_json(data: bytes, doc_type: DocTypeArg | None = None, *,
                max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[DocumentType, dict[str, Any],
                                                             list[Finding]]:
    """`model_to_json(xml_to_model(...))`, without the model when the parse is clean.

    A document read without findings whose values all have their field's exact type is
    formatted directly (gateway.documents.fast_json); anything else takes the model path.
    The JSON is the same either way, key for key and string for string.
    """
    root = parse_xml(data, max_bytes=max_bytes)
    resolved = sniff(root) if doc_type is None else resolve_type(doc_type)
    expected = f"{{{resolved.namespace}}}{resolved.root}"
    if root.tag != expected:
        raise UnsupportedDocumentError(
            f"a {resolved.key} document has root element {expected}, not {root.tag}"
        )
    mapping = load_mapping(resolved.mapping)
    with gc_paused():
        result = mapping.parse(root, codec_rules=_codec_rules(resolved.rule_sets))
        model_type = model_class(resolved)
        document = None if result.findings else fast_json(model_type, result.data)
        if document is not None:
            return resolved, document, []
        model, problems = validate_lenient(model_type, result.data)
        findings = [*result.findings, *problems]
        del result
        return resolved, model_to_json(model), findings


def xml_to_json_bytes(data: bytes, doc_type: DocTypeArg | None = None, *,
                      max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[DocumentType, bytes,
                                                                   list[Finding]]:
    """`model_to_json_bytes(xml_to_model(...))`: compact UTF-8, as pydantic-core writes it."""
    resolved, document, findings = xml_to_json(data, doc_type, max_bytes=max_bytes)
    return resolved, compact_json_bytes(document), findings


def compact_json_bytes(document: dict[str, Any]) -> bytes:
    """JSON of str/bool/int/list/dict values, written by the same pydantic-core encoder."""
    return pydantic_core.to_json(document)


def gc_paused() -> _CollectorPause:
    """Pause the cyclic garbage collector while a document's object graph is built.

    The graph of dicts, lists and models has no reference cycles, yet each collector pass
    walks all of it: on a 500-line invoice that is a quarter of the reading time. Reference
    counting still frees everything; the collector resumes (if it was on) afterwards. Free
    the intermediate graphs (parsed dicts, JSON input) before leaving: the first collection
    after the pause walks whatever was allocated during it and is still alive.
    """
    return _CollectorPause()


class _CollectorPause:
    """`with gc_paused():` (a class: cheaper to enter than a generator context manager)."""

    __slots__ = ("_resume",)

    def __enter__(self) -> None:
        self._resume = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc_info: object) -> None:
        if self._resume:
            gc.enable()


@functools.cache
def _codec_rules(rule_sets: tuple[str, ...]) -> Mapping[str, str]:
    if any(rules.startswith("PEPPOL-EN16931") for rules in rule_sets):
        return {"date": RULE_PEPPOL_DATE}
    return {}


def model_to_xml(model: BaseModel, doc_type: DocTypeArg, *, pretty: bool = False) -> bytes:
    """Render a canonical model as UBL, always in UBL schema order."""
    resolved = resolve_type(doc_type)
    expected = model_class(resolved)
    if not isinstance(model, expected):
        raise TypeError(f"a {resolved.key} document needs a {expected.__name__} model, "
                        f"not {type(model).__name__}")
    return load_mapping(resolved.mapping).render_bytes(model, pretty=pretty)


def model_to_json(model: BaseModel) -> dict[str, Any]:
    """The JSON form of a canonical model."""
    return model.model_dump(mode="json", exclude_none=True)


def model_to_json_bytes(model: BaseModel) -> bytes:
    """The JSON form as compact UTF-8 bytes, serialised by pydantic-core in one step.

    The model's serializer writes bytes; `model_dump_json` would decode them to text that
    would only be encoded again.
    """
    return model.__pydantic_serializer__.to_json(model, exclude_none=True)


def json_to_model(data: bytes | str | Mapping[str, Any], doc_type: DocTypeArg,
                  *, complete: bool = True) -> tuple[Any, list[Finding]]:
    """Validate JSON input into the type's model and derive what it omits.

    CustomizationID and ProfileID default to the type's. Pydantic errors raise DocumentInvalid
    whose findings carry the JSON pointer of the field (decimal values must be JSON strings or
    integers, not floats). With `complete`, omitted totals and VAT breakdown are derived
    (info findings GW-DERIVED); given ones are kept for the rules to check.
    """
    resolved = resolve_type(doc_type)
    model_type = model_class(resolved)
    try:
        with gc_paused():
            model = model_type.model_validate(_json_values(data, resolved, model_type))
    except ValidationError as exc:
        findings = json_findings(exc)
        raise DocumentInvalid(
            f"the {resolved.key} JSON is not valid: {findings[0].message}"
            + (f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""),
            findings=findings,
        ) from None
    if complete and callable(getattr(model, "complete", None)):
        # nothing else holds the new model: complete it in place
        return cast(Completable, model).complete(copy=False)
    return model, []


def _json_values(data: bytes | str | Mapping[str, Any], doc_type: DocumentType,
                 model_type: type[BaseModel]) -> dict[str, Any]:
    """The JSON object to validate, with the type's CustomizationID and ProfileID defaults."""
    raw = load_json(data) if isinstance(data, bytes | str) else data
    if not isinstance(raw, Mapping):
        finding = Finding(RULE_JSON_TYPE, Severity.FATAL, Layer.MODEL,
                          f"a {doc_type.key} document is a JSON object", json_pointer="")
        raise DocumentInvalid(finding.message, findings=[finding])
    values = dict(raw)
    fields = model_type.model_fields
    for key, default in (("customization_id", doc_type.customization_id),
                         ("profile_id", doc_type.profile_id)):
        if key in fields and default is not None:
            values.setdefault(key, default)
    return values


def json_findings(error: ValidationError) -> list[Finding]:
    """One finding per pydantic error, with the JSON pointer of the offending value."""
    findings = []
    for item in error.errors(include_url=False):
        pointer = json_pointer(item["loc"])
        kind = item["type"]
        message = str(item["msg"]).removeprefix("Value error, ")
        if kind == "extra_forbidden":
            rule, message = RULE_JSON_UNKNOWN, f"unknown field {pointer or '/'}"
        elif kind == "missing":
            rule, message = RULE_JSON_MISSING, f"required field {pointer} is missing"
        else:
            rule, message = RULE_JSON_TYPE, f"{pointer or '/'}: {message}"
        findings.append(Finding(rule, Severity.FATAL, Layer.MODEL, message, json_pointer=pointer))
    return findings


def validate_lenient(model_class: type[BaseModel], data: dict[str, Any]
                     ) -> tuple[Any, list[Finding]]:
    """Validate parsed data, dropping (and reporting) any value the model refuses."""
    findings: list[Finding] = []
    for _ in range(64):
        try:
            return model_class.model_validate(data), findings
        except ValidationError as exc:
            for item in exc.errors(include_url=False):
                pointer = json_pointer(item["loc"])
                findings.append(Finding(
                    RULE_TYPE, Severity.FATAL, Layer.MODEL,
                    f"{pointer}: {str(item['msg']).removeprefix('Value error, ')}; "
                    "the value was left out",
                    json_pointer=pointer,
                ))
                _drop(data, item["loc"])
    raise DocumentInvalid("the document cannot be read into its model", findings=findings)


def _drop(data: Any, loc: tuple[Any, ...]) -> None:
    target = data
    for part in loc[:-1]:
        try:
            target = target[part]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(target, dict):
        target.pop(loc[-1], None)
    elif isinstance(target, list) and isinstance(loc[-1], int) and loc[-1] < len(target):
        del target[loc[-1]]
