"""Hardening headers on every response (OWASP Secure Headers Project recommendations).

The API serves JSON, XML and Prometheus text, never active content, so the policy is the
strictest: nothing may be loaded, framed or sniffed, and nothing cached (responses carry
business documents). A handler that sets one of these headers itself keeps its value.
Strict-Transport-Security is added only when the service is reached over HTTPS (TLS on in
`gateway serve`, or an https public_url behind a TLS-terminating proxy): RFC 6797 §7.2 says a
host must not send it over plain HTTP.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from gateway.settings import Settings

BASE_HEADERS: Mapping[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}
HSTS = "Strict-Transport-Security"

ResponseHook = Callable[[web.Request, web.StreamResponse], Awaitable[None]]


def security_headers(settings: Settings) -> dict[str, str]:
    headers = dict(BASE_HEADERS)
    if settings.served_over_https and settings.hsts_max_age > 0:
        headers[HSTS] = f"max-age={settings.hsts_max_age}; includeSubDomains"
    return headers


def secure_headers_hook(settings: Settings) -> ResponseHook:
    """An `on_response_prepare` signal handler (it also covers error responses)."""
    headers = security_headers(settings)

    async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
        for name, value in headers.items():
            response.headers.setdefault(name, value)

    return add_headers
