"""Our own SMP (Peppol SMP 1.x REST, busdox namespaces): what the gateway publishes for the
participants it serves, so other access points (or a second gateway on a local network) find
us, and the receiver check answers from the same data (peppol-as4.md §1.11, §1.12).

* ``GET {prefix}/{participant}`` → ``ServiceGroup`` listing one ``ServiceMetadataReference``
  per published document type (unsigned, as in SMP 1.x);
* ``GET {prefix}/{participant}/services/{document type}`` → the ``SignedServiceMetadata``
  (signed once at start-up with the SMP key, smp_publish);
* anything else → 404 (only a real 404 means "not there" to a Peppol SMP client).

``SmpPublisher.serves`` is an ``inbound.RecipientCheck``: the AS4 endpoint answers
``PEPPOL:NOT_SERVICED`` for what this SMP does not publish.

Mounting::

    publisher = SmpPublisher(publications, DocumentSigner(smp_credentials))
    publisher.add_routes(app.router, prefix="/smp")   # the NAPTR regexp points at .../smp
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import web
from lxml import etree

from gateway.errors import InputError
from gateway.peppol.identifiers import DocumentTypeId, ParticipantId, ProcessId
from gateway.peppol.smp import IDS_NS, SMP_NS
from gateway.peppol.smp_publish import (
    PublishedEndpoint,
    build_service_metadata,
    sign_service_metadata,
)
from gateway.signing.document import DocumentSigner

XML_CONTENT_TYPE = "text/xml"


@dataclass(frozen=True, slots=True)
class Publication:
    participant: ParticipantId
    document_type: DocumentTypeId
    endpoints: tuple[PublishedEndpoint, ...]


class SmpPublisher:
    def __init__(self, publications: Iterable[Publication], signer: DocumentSigner) -> None:
        self._documents: dict[ParticipantId, dict[DocumentTypeId, bytes]] = {}
        self._processes: dict[tuple[ParticipantId, DocumentTypeId], frozenset[ProcessId]] = {}
        for item in publications:
            unsigned = build_service_metadata(
                item.participant, item.document_type, list(item.endpoints)
            )
            signed = sign_service_metadata(unsigned, signer)
            self._documents.setdefault(item.participant, {})[item.document_type] = signed
            self._processes[(item.participant, item.document_type)] = frozenset(
                endpoint.process for endpoint in item.endpoints
            )

    def serves(
        self, participant: ParticipantId, document_type: DocumentTypeId, process: ProcessId
    ) -> bool:
        return process in self._processes.get((participant, document_type), frozenset())

    def service_metadata(
        self, participant: ParticipantId, document_type: DocumentTypeId
    ) -> bytes | None:
        return self._documents.get(participant, {}).get(document_type)

    def service_group(self, participant: ParticipantId, base_url: str) -> bytes | None:
        documents = self._documents.get(participant)
        if documents is None:
            return None
        return build_service_group(participant, sorted(documents, key=str), base_url)

    def add_routes(self, router: web.UrlDispatcher, *, prefix: str = "") -> None:
        router.add_get(f"{prefix}/{{participant}}", self.handle_service_group)
        router.add_get(
            f"{prefix}/{{participant}}/services/{{document}}", self.handle_service_metadata
        )

    async def handle_service_group(self, request: web.Request) -> web.Response:
        participant = _participant(request.match_info["participant"])
        base = str(request.url.with_query(None)).rsplit("/", 1)[0]
        body = None if participant is None else self.service_group(participant, base)
        return _answer(body)

    async def handle_service_metadata(self, request: web.Request) -> web.Response:
        participant = _participant(request.match_info["participant"])
        document = _document(request.match_info["document"])
        body = None
        if participant is not None and document is not None:
            body = self.service_metadata(participant, document)
        return _answer(body)


def _participant(text: str) -> ParticipantId | None:
    try:
        return ParticipantId.parse(text)
    except InputError:
        return None


def _document(text: str) -> DocumentTypeId | None:
    try:
        return DocumentTypeId.parse(text)
    except InputError:
        return None


def _answer(body: bytes | None) -> web.Response:
    if body is None:
        return web.Response(status=404, text="not published here")
    return web.Response(body=body, content_type=XML_CONTENT_TYPE, charset="utf-8")


def build_service_group(
    participant: ParticipantId, document_types: Sequence[DocumentTypeId], base_url: str
) -> bytes:
    """An SMP 1.x ServiceGroup whose references are ``{base}/{participant}/services/{doc}``."""
    root = etree.Element(f"{{{SMP_NS}}}ServiceGroup", nsmap={None: SMP_NS, "ids": IDS_NS})
    identifier = etree.SubElement(
        root, f"{{{IDS_NS}}}ParticipantIdentifier", scheme=participant.scheme
    )
    identifier.text = participant.value
    collection = etree.SubElement(root, f"{{{SMP_NS}}}ServiceMetadataReferenceCollection")
    for document_type in document_types:
        href = (
            f"{base_url.rstrip('/')}/{participant.url_segment()}/services/"
            f"{quote(str(document_type), safe='')}"
        )
        etree.SubElement(collection, f"{{{SMP_NS}}}ServiceMetadataReference", href=href)
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data
