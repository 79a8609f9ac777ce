"""Discovery failures, each with a stable code and a retry verdict (peppol-as4.md §1.11).

peppol-commons 12.5/12.8 distinguish a DNS technical failure (retry) from "not registered"
(permanent), and "SMP unreachable" from a real HTTP 404 ("not supported", permanent). A timeout
is never read as "the receiver does not support this document type".
"""

from __future__ import annotations

from gateway.transports.errors import DeliveryError


class DiscoveryError(DeliveryError):
    code = "discovery-failed"
    retryable = False


class ParticipantUnknown(DiscoveryError):
    """The SML has no record for the participant, or its SMP does not know it (HTTP 404)."""

    code = "participant-unknown"
    retryable = False


class NoSmpService(DiscoveryError):
    """The participant's DNS name exists but carries no U-NAPTR ``Meta:SMP`` record."""

    code = "sml-no-smp-service"
    retryable = False


class DocumentTypeNotSupported(DiscoveryError):
    """The SMP has no usable endpoint for this document type / process / transport profile."""

    code = "document-type-not-supported"
    retryable = False


class CertificateMismatch(DiscoveryError):
    """A certificate is not the one expected: SMP signer untrusted, or endpoint certificate
    outside the AP trust store, expired, or different from what the receipt was signed with."""

    code = "certificate-mismatch"
    retryable = False


class SmpResponseInvalid(DiscoveryError):
    """The SMP answered, but the answer is unreadable, unsigned, tampered or for someone else."""

    code = "smp-response-invalid"
    retryable = False


class DiscoveryUnavailable(DiscoveryError):
    """DNS or SMP could not be reached (timeout, SERVFAIL, 5xx): try again later."""

    code = "discovery-unavailable"
    retryable = True
