"""Peppol Business Message Envelope 2.x: the SBDH around a UBL document (peppol-as4.md §1.3).

``wrap`` builds a ``StandardBusinessDocument`` whose header names sender and receiver
(``iso6523-actorid-upis``), the document identification (root namespace, ``2.1``, a unique
``InstanceIdentifier``, root local name, creation time) and the mandatory business scopes
``DOCUMENTID``, ``PROCESSID`` and ``COUNTRY_C1``. The business document is spliced in byte for
byte (only its XML declaration is dropped), so an enveloped signature inside it survives.

``unwrap`` reads an envelope back, checks the header, and returns the business document as the
exact bytes the sender put inside (checked against the parsed tree), for storage and analysis.
``check_against_as4`` compares the SBDH with the AS4 header, as the receiving AP must.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from gateway.errors import InputError
from gateway.peppol.identifiers import (
    DOCUMENT_SCHEME,
    PARTICIPANT_SCHEME,
    PROCESS_SCHEME,
    DocumentTypeId,
    ParticipantId,
    ProcessId,
)
from gateway.xml.parser import declared_encoding, parse_xml

SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
UBL_CBC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
UBL_VERSION = "2.1"
SCOPE_DOCUMENT = "DOCUMENTID"
SCOPE_PROCESS = "PROCESSID"
SCOPE_COUNTRY = "COUNTRY_C1"
_COUNTRY = re.compile(r"[A-Z]{2}")
_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>")
_BOM = b"\xef\xbb\xbf"
_HEADER_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?StandardBusinessDocumentHeader\s*>")
_ROOT_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?StandardBusinessDocument\s*>\s*$")


class SbdhError(InputError):
    """The envelope or the document inside it breaks a Peppol envelope rule (named in the text)."""

    code = "sbdh-invalid"


def _q(local: str) -> str:
    return f"{{{SBDH_NS}}}{local}"


@dataclass(frozen=True, slots=True)
class DocumentIdentifiers:
    """What a UBL document says about itself: the Peppol document type id and process id."""

    document_type: DocumentTypeId
    process: ProcessId
    root_namespace: str
    root_name: str


@dataclass(frozen=True, slots=True)
class SbdhHeader:
    sender: ParticipantId
    receiver: ParticipantId
    document_type: DocumentTypeId
    process: ProcessId
    instance_id: str
    standard: str
    type_name: str
    type_version: str
    created: str
    country_c1: str | None


def parse_document(document: bytes) -> etree._Element:
    """A business document through the hardened parser (InputError when unreadable)."""
    return parse_xml(document)


def identify(document: etree._Element) -> DocumentIdentifiers:
    """Document type id ``<ns>::<root>##<CustomizationID>::2.1`` and process id = ProfileID
    (Peppol Policy for use of identifiers, POLICY 7 and 11)."""
    qname = etree.QName(document)
    if not qname.namespace:
        raise SbdhError("the business document's root element has no namespace")
    customization = (document.findtext(f"{{{UBL_CBC_NS}}}CustomizationID") or "").strip()
    profile = (document.findtext(f"{{{UBL_CBC_NS}}}ProfileID") or "").strip()
    if not customization or not profile:
        raise SbdhError("the business document needs cbc:CustomizationID and cbc:ProfileID")
    value = f"{qname.namespace}::{qname.localname}##{customization}::{UBL_VERSION}"
    return DocumentIdentifiers(
        DocumentTypeId(value), ProcessId(profile), qname.namespace, qname.localname
    )


def _sub(
    parent: etree._Element, local: str, text: str | None = None, **attrs: str
) -> etree._Element:
    element = etree.SubElement(parent, _q(local), attrs)
    element.text = text
    return element


def _scope(parent: etree._Element, kind: str, value: str, identifier: str | None) -> None:
    scope = _sub(parent, "Scope")
    _sub(scope, "Type", kind)
    _sub(scope, "InstanceIdentifier", value)
    if identifier is not None:
        _sub(scope, "Identifier", identifier)


def _xs_datetime(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("the SBDH creation time must be timezone-aware (UTC)")
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _payload_bytes(document: bytes) -> bytes:
    encoding = (declared_encoding(document) or "utf-8").lower()
    if encoding not in ("utf-8", "utf8"):
        raise SbdhError(f"the business document must be UTF-8 (declared {encoding!r})")
    return _XML_DECLARATION.sub(b"", document.removeprefix(_BOM), count=1).strip()


def wrap(
    document: bytes,
    *,
    sender: ParticipantId,
    receiver: ParticipantId,
    instance_id: str,
    created: datetime,
    country_c1: str,
    process: ProcessId | None = None,
    document_type: DocumentTypeId | None = None,
) -> tuple[bytes, SbdhHeader]:
    """The envelope bytes (UTF-8) and its header. Ids default to what the document declares."""
    if not _COUNTRY.fullmatch(country_c1):
        raise SbdhError(f"COUNTRY_C1 {country_c1!r} is not an ISO 3166-1 alpha-2 code")
    if not instance_id or not instance_id.isprintable():
        raise SbdhError("the SBDH InstanceIdentifier must be printable text")
    found = identify(parse_xml(document))
    header = SbdhHeader(
        sender=sender,
        receiver=receiver,
        document_type=document_type or found.document_type,
        process=process or found.process,
        instance_id=instance_id,
        standard=found.root_namespace,
        type_name=found.root_name,
        type_version=UBL_VERSION,
        created=_xs_datetime(created),
        country_c1=country_c1,
    )
    root = etree.Element(_q("StandardBusinessDocument"), nsmap={"sh": SBDH_NS})
    _header_element(root, header)
    marker = b"<!--payload-->"
    root.append(etree.Comment("payload"))
    rendered: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return rendered.replace(marker, _payload_bytes(document), 1), header


def _header_element(root: etree._Element, header: SbdhHeader) -> None:
    element = _sub(root, "StandardBusinessDocumentHeader")
    _sub(element, "HeaderVersion", "1.0")
    for side, participant in (("Sender", header.sender), ("Receiver", header.receiver)):
        _sub(_sub(element, side), "Identifier", participant.value, Authority=participant.scheme)
    identification = _sub(element, "DocumentIdentification")
    _sub(identification, "Standard", header.standard)
    _sub(identification, "TypeVersion", header.type_version)
    _sub(identification, "InstanceIdentifier", header.instance_id)
    _sub(identification, "Type", header.type_name)
    _sub(identification, "CreationDateAndTime", header.created)
    scope = _sub(element, "BusinessScope")
    _scope(scope, SCOPE_DOCUMENT, header.document_type.value, header.document_type.scheme)
    _scope(scope, SCOPE_PROCESS, header.process.value, header.process.scheme)
    if header.country_c1 is not None:
        _scope(scope, SCOPE_COUNTRY, header.country_c1, None)


def _text(parent: etree._Element, path: str, what: str) -> str:
    value = (parent.findtext(path) or "").strip()
    if not value:
        raise SbdhError(f"SBDH without {what}")
    return value


def _participant(header: etree._Element, side: str) -> ParticipantId:
    identifier = header.find(f"{_q(side)}/{_q('Identifier')}")
    if identifier is None or not (identifier.text or "").strip():
        raise SbdhError(f"SBDH without {side}/Identifier")
    scheme = identifier.get("Authority") or PARTICIPANT_SCHEME
    try:
        return ParticipantId(identifier.text or "", scheme)
    except InputError as exc:
        raise SbdhError(f"SBDH {side}: {exc.message}") from None


def _scopes(header: etree._Element) -> dict[str, tuple[str, str | None]]:
    scopes: dict[str, tuple[str, str | None]] = {}
    for scope in header.iterfind(f"{_q('BusinessScope')}/{_q('Scope')}"):
        kind = (scope.findtext(_q("Type")) or "").strip()
        value = (scope.findtext(_q("InstanceIdentifier")) or "").strip()
        identifier = (scope.findtext(_q("Identifier")) or "").strip() or None
        if kind in scopes and kind in (SCOPE_DOCUMENT, SCOPE_PROCESS, SCOPE_COUNTRY):
            raise SbdhError(f"SBDH BusinessScope {kind} appears twice")
        scopes[kind] = (value, identifier)
    return scopes


def read_header(header: etree._Element) -> SbdhHeader:
    if (header.findtext(_q("HeaderVersion")) or "").strip() != "1.0":
        raise SbdhError("SBDH HeaderVersion must be 1.0")
    identification = header.find(_q("DocumentIdentification"))
    if identification is None:
        raise SbdhError("SBDH without DocumentIdentification")
    scopes = _scopes(header)
    for required in (SCOPE_DOCUMENT, SCOPE_PROCESS):
        if not scopes.get(required, ("", None))[0]:
            raise SbdhError(f"SBDH BusinessScope {required} is mandatory")
    document_value, document_scheme = scopes[SCOPE_DOCUMENT]
    process_value, process_scheme = scopes[SCOPE_PROCESS]
    country = scopes.get(SCOPE_COUNTRY, (None, None))[0]
    return SbdhHeader(
        sender=_participant(header, "Sender"),
        receiver=_participant(header, "Receiver"),
        document_type=DocumentTypeId(document_value, document_scheme or DOCUMENT_SCHEME),
        process=ProcessId(process_value, process_scheme or PROCESS_SCHEME),
        instance_id=_text(identification, _q("InstanceIdentifier"), "InstanceIdentifier"),
        standard=_text(identification, _q("Standard"), "Standard"),
        type_name=_text(identification, _q("Type"), "Type"),
        type_version=_text(identification, _q("TypeVersion"), "TypeVersion"),
        created=_text(identification, _q("CreationDateAndTime"), "CreationDateAndTime"),
        country_c1=country or None,
    )


@dataclass(frozen=True, slots=True)
class Unwrapped:
    header: SbdhHeader
    document: bytes
    """The business document: the bytes the sender enclosed (UTF-8, no XML declaration)."""
    identifiers: DocumentIdentifiers


def unwrap(envelope: bytes, *, max_bytes: int) -> Unwrapped:
    """Read and check an envelope; the business document must match the header's claims."""
    try:
        root = parse_xml(envelope, max_bytes=max_bytes)
    except InputError as exc:
        raise SbdhError(f"the payload is not readable XML: {exc.message}") from None
    if root.tag != _q("StandardBusinessDocument"):
        raise SbdhError(f"the payload is not a StandardBusinessDocument but {root.tag}")
    children = [child for child in root if isinstance(child.tag, str)]
    if len(children) != 2 or children[0].tag != _q("StandardBusinessDocumentHeader"):
        raise SbdhError("a StandardBusinessDocument holds the header and exactly one document")
    header = read_header(children[0])
    identifiers = identify(children[1])
    if identifiers.root_namespace != header.standard or identifiers.root_name != header.type_name:
        raise SbdhError(
            f"SBDH Standard/Type {header.standard}/{header.type_name} do not match the document "
            f"root {identifiers.root_namespace}/{identifiers.root_name}"
        )
    return Unwrapped(header, _document_bytes(envelope, children[1]), identifiers)


def _document_bytes(envelope: bytes, document: etree._Element) -> bytes:
    """The enclosed bytes when they are a standalone document equal to the parsed one;
    otherwise (namespaces declared on the envelope) a re-serialisation without unused ones."""
    start, end = _HEADER_END.search(envelope), _ROOT_END.search(envelope)
    if start is not None and end is not None:
        candidate = envelope[start.end() : end.start()].strip()
        try:
            standalone = parse_xml(candidate, max_bytes=len(envelope))
        except InputError:
            standalone = None
        if standalone is not None and _same_tree(standalone, document):
            return candidate
    copy = etree.fromstring(etree.tostring(document))
    etree.cleanup_namespaces(copy)
    result: bytes = etree.tostring(copy, encoding="UTF-8")
    return result


def _same_tree(standalone: etree._Element, enclosed: etree._Element) -> bool:
    """Node by node equal names (namespace included), attributes and text. The slice is a
    substring of the envelope, so only namespace bindings could differ: this catches them."""
    left, right = list(standalone.iter()), list(enclosed.iter())
    if len(left) != len(right):
        return False
    for a, b in zip(left, right, strict=True):
        if a.tag != b.tag or a.text != b.text or dict(a.attrib) != dict(b.attrib):
            return False
        if a is not standalone and a.tail != b.tail:
            return False
    return True


def check_against_as4(
    header: SbdhHeader,
    *,
    original_sender: str,
    final_recipient: str,
    action: str,
    service: str,
) -> None:
    """C1/C4, document type and process must be the same in the SBDH and in the AS4 header
    (phase4 ``Phase4PeppolServletMessageProcessorSPI``); raise ``SbdhError`` naming the field."""
    pairs = (
        ("originalSender", _participant_text(original_sender), header.sender),
        ("finalRecipient", _participant_text(final_recipient), header.receiver),
    )
    for name, given, expected in pairs:
        if given != expected:
            raise SbdhError(f"AS4 {name} {given} differs from the SBDH ({expected})")
    if action != str(header.document_type):
        raise SbdhError(f"AS4 Action {action!r} differs from the SBDH DOCUMENTID")
    if service != header.process.value:
        raise SbdhError(f"AS4 Service {service!r} differs from the SBDH PROCESSID")


def _participant_text(text: str) -> ParticipantId:
    try:
        return ParticipantId.parse(text)
    except InputError as exc:
        raise SbdhError(f"participant {text!r}: {exc.message}") from None
