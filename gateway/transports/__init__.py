"""Transports: the seam between the exchange engine and the wire (DESIGN.md §2, §6).

Public surface: Envelope, Receipt, InboundRequest, Inbound, the Transport protocol,
EndpointConfig, the DeliveryError tree, HttpTransport, FakeTransport and the registry.
"""

from gateway.transports.base import (
    Envelope,
    Inbound,
    InboundRequest,
    Receipt,
    Transport,
    sha256_hex,
    utc_now,
)
from gateway.transports.endpoint import EndpointConfig
from gateway.transports.errors import (
    CertificatePinMismatchError,
    ConnectionFailedError,
    DeliveryError,
    DeliveryTimeoutError,
    EndpointConfigError,
    PayloadIntegrityError,
    RemoteRejectedError,
    RemoteUnavailableError,
    TlsHandshakeError,
    TlsVerificationError,
    UnexpectedResponseError,
    UnsupportedPayloadError,
)
from gateway.transports.fake import FakeTransport
from gateway.transports.http import HttpTransport, new_client_session, read_inbound_request
from gateway.transports.registry import (
    TransportDeps,
    TransportRegistry,
    TransportSet,
    default_registry,
)
from gateway.transports.status import StatusClass, classify_http_status, parse_retry_after

__all__ = [
    "CertificatePinMismatchError",
    "ConnectionFailedError",
    "DeliveryError",
    "DeliveryTimeoutError",
    "EndpointConfig",
    "EndpointConfigError",
    "Envelope",
    "FakeTransport",
    "HttpTransport",
    "Inbound",
    "InboundRequest",
    "PayloadIntegrityError",
    "Receipt",
    "RemoteRejectedError",
    "RemoteUnavailableError",
    "StatusClass",
    "TlsHandshakeError",
    "TlsVerificationError",
    "Transport",
    "TransportDeps",
    "TransportRegistry",
    "TransportSet",
    "UnexpectedResponseError",
    "UnsupportedPayloadError",
    "classify_http_status",
    "default_registry",
    "new_client_session",
    "parse_retry_after",
    "read_inbound_request",
    "sha256_hex",
    "utc_now",
]
