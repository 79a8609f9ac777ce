"""The exception tree. Each class carries a stable code, an HTTP status and a retry verdict.

Like phase4's EEbmsError and python-stdnum's four exceptions: callers branch on the class
(or `code`), never on message text.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.findings import Finding


class GatewayError(Exception):
    code: str = "gateway-error"
    http_status: int = 500
    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        findings: Sequence[Finding] = (),
        code: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.findings: list[Finding] = list(findings)
        if code is not None:
            self.code = code
        if retryable is not None:
            self.retryable = retryable


class InputError(GatewayError):
    """The input cannot be read: not XML/JSON, truncated, wrong encoding, too large."""

    code = "unreadable-input"
    http_status = 400


class HostileInputError(InputError):
    """The input tries something we never allow: DTDs, entities, excessive depth or size."""

    code = "hostile-input"


class PayloadTooLarge(HostileInputError):
    code = "payload-too-large"
    http_status = 413


class UnsupportedDocumentError(GatewayError):
    """Well-formed, but not a supported document type (wrong root, unknown customization)."""

    code = "unsupported-document"
    http_status = 415


class DocumentInvalid(GatewayError):
    """Read, but fails validation: the findings say why."""

    code = "validation-failed"
    http_status = 422


class ConfigurationError(GatewayError):
    code = "configuration-error"
    http_status = 500


class ArtefactsError(ConfigurationError):
    """Official artefacts missing, incomplete or altered."""

    code = "artefacts-error"


class NotFound(GatewayError):
    code = "not-found"
    http_status = 404


class Conflict(GatewayError):
    code = "conflict"
    http_status = 409


class Unauthorized(GatewayError):
    code = "unauthorized"
    http_status = 401


class Forbidden(GatewayError):
    code = "forbidden"
    http_status = 403


class TransportError(GatewayError):
    """Delivery failed; `retryable` says whether trying again can help."""

    code = "transport-error"
    http_status = 502
    retryable = True
