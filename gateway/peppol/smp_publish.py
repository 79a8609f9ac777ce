"""Our own SMP ServiceMetadata: what the gateway publishes for the participants it serves, so
two gateways can discover each other (issue 4) and the receiver check (peppol-as4.md §1.12)
can compare against the same data.

``build_service_metadata`` renders an unsigned ``SignedServiceMetadata`` (Peppol SMP 1.x);
``sign_service_metadata`` adds the enveloped signature with the SMP key (RSA-SHA256; the SMP
algorithm allowance for SHA-1 is for reading old SMPs, never for writing).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from gateway.peppol.identifiers import DocumentTypeId, ParticipantId, ProcessId
from gateway.peppol.smp import AS4_TRANSPORT_PROFILE, IDS_NS, SMP_NS, WSA_NS
from gateway.signing.document import DocumentSigner, SignatureKind

_NSMAP = {None: SMP_NS, "ids": IDS_NS, "wsa": WSA_NS}


@dataclass(frozen=True, slots=True)
class PublishedEndpoint:
    process: ProcessId
    address: str
    certificate: x509.Certificate
    activation: datetime | None = None
    expiration: datetime | None = None
    transport_profile: str = AS4_TRANSPORT_PROFILE
    technical_contact: str = "mailto:peppol-support@example.invalid"


def _sub(
    parent: etree._Element, namespace: str, local: str, text: str | None = None, **attributes: str
) -> etree._Element:
    element = etree.SubElement(parent, f"{{{namespace}}}{local}", attributes)
    if text is not None:
        element.text = text
    return element


def _xs_datetime(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def build_service_metadata(
    participant: ParticipantId,
    document_type: DocumentTypeId,
    endpoints: list[PublishedEndpoint],
) -> bytes:
    root = etree.Element(f"{{{SMP_NS}}}SignedServiceMetadata", nsmap=_NSMAP)
    info = _sub(_sub(root, SMP_NS, "ServiceMetadata"), SMP_NS, "ServiceInformation")
    _sub(info, IDS_NS, "ParticipantIdentifier", participant.value, scheme=participant.scheme)
    _sub(info, IDS_NS, "DocumentIdentifier", document_type.value, scheme=document_type.scheme)
    process_list = _sub(info, SMP_NS, "ProcessList")
    for process in dict.fromkeys(endpoint.process for endpoint in endpoints):
        element = _sub(process_list, SMP_NS, "Process")
        _sub(element, IDS_NS, "ProcessIdentifier", process.value, scheme=process.scheme)
        endpoint_list = _sub(element, SMP_NS, "ServiceEndpointList")
        for endpoint in (e for e in endpoints if e.process == process):
            _endpoint(endpoint_list, endpoint)
    result: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return result


def _endpoint(parent: etree._Element, endpoint: PublishedEndpoint) -> None:
    element = _sub(parent, SMP_NS, "Endpoint", transportProfile=endpoint.transport_profile)
    _sub(_sub(element, WSA_NS, "EndpointReference"), WSA_NS, "Address", endpoint.address)
    _sub(element, SMP_NS, "RequireBusinessLevelSignature", "false")
    if endpoint.activation is not None:
        _sub(element, SMP_NS, "ServiceActivationDate", _xs_datetime(endpoint.activation))
    if endpoint.expiration is not None:
        _sub(element, SMP_NS, "ServiceExpirationDate", _xs_datetime(endpoint.expiration))
    der = endpoint.certificate.public_bytes(serialization.Encoding.DER)
    _sub(element, SMP_NS, "Certificate", base64.b64encode(der).decode("ascii"))
    _sub(element, SMP_NS, "ServiceDescription", "Peppol AS4 access point")
    _sub(element, SMP_NS, "TechnicalContactUrl", endpoint.technical_contact)


def sign_service_metadata(unsigned: bytes, smp_signer: DocumentSigner) -> bytes:
    return smp_signer.sign(unsigned, SignatureKind.XMLDSIG)
