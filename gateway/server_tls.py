"""The server's TLS context for `gateway serve`: TLS 1.2 minimum, certificate chain and key
from PEM files (settings ``tls_cert_file`` and ``tls_key_file``).

Python's defaults for a server context already exclude the weak suites (no RC4, 3DES,
NULL or export ciphers; forward secrecy preferred); TLS 1.0 and 1.1 are refused explicitly
(RFC 8996 deprecates them). Renegotiation and compression are off (OP_NO_RENEGOTIATION,
OP_NO_COMPRESSION).
"""

from __future__ import annotations

import ssl

from gateway.errors import ConfigurationError
from gateway.settings import Settings

MINIMUM_VERSION = ssl.TLSVersion.TLSv1_2


def server_ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The context to serve HTTPS with, or None when TLS is not configured."""
    if settings.tls_cert_file is None or settings.tls_key_file is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = MINIMUM_VERSION
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
    context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    try:
        context.load_cert_chain(settings.tls_cert_file, settings.tls_key_file)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(
            f"settings 'tls_cert_file'/'tls_key_file': cannot load {settings.tls_cert_file} "
            f"with {settings.tls_key_file}: {exc}", code="invalid-setting") from None
    return context
