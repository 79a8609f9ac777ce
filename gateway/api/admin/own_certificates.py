"""The gateway's own certificates and their expiry (issue 4: expiry warnings in the admin API).

Partner certificates live in the store (`GET /certificates/expiring`); the gateway's own come
from its settings: the Peppol access-point and SMP certificates, the document-signing
certificate and the HTTPS server certificate. Each is read from its file on every request, so
a renewed file shows at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from gateway.api import keys
from gateway.api.http import json_response, now
from gateway.api.spec import Operation, Param, json_reply, list_of
from gateway.errors import InputError
from gateway.partners.certificates import parse_pem
from gateway.settings import Settings

DEFAULT_WINDOW_DAYS = 30


def own_certificate_files(settings: Settings) -> list[tuple[str, Path]]:
    """(role, certificate file) for every certificate the settings configure."""
    candidates = (
        ("peppol-access-point", settings.peppol_ap_cert_file),
        ("peppol-smp", settings.peppol_smp_cert_file),
        ("document-signing", settings.signing_cert_file),
        ("https-server", settings.tls_cert_file),
    )
    return [(role, Path(path)) for role, path in candidates if path is not None]


def own_certificate_view(role: str, path: Path, at: datetime, window: timedelta
                         ) -> dict[str, Any]:
    try:
        info = parse_pem(path.read_bytes())
    except (OSError, InputError) as exc:
        return {"role": role, "file": str(path), "status": "unreadable",
                "problem": str(getattr(exc, "message", exc))}
    return {
        "role": role,
        "file": str(path),
        "subject": info.subject,
        "issuer": info.issuer,
        "not_after": info.not_after.isoformat(),
        "days_left": info.days_left(at),
        "status": info.expiry_status(at, window).value,
    }


async def own_certificates(request: web.Request) -> web.Response:
    raw = request.query.get("within_days", str(DEFAULT_WINDOW_DAYS))
    if not raw.isdigit():
        raise InputError("query parameter 'within_days' must be a whole number of days")
    settings = request.config_dict[keys.SETTINGS]
    at, window = now(request), timedelta(days=int(raw))
    items = [own_certificate_view(role, path, at, window)
             for role, path in own_certificate_files(settings)]
    return json_response({"items": items})


OPERATIONS = (
    Operation("GET", "/certificates/own", own_certificates, "ownCertificates",
              "The gateway's own certificates and their expiry", "certificates",
              replies={200: json_reply("Certificates, each with status valid, expiring, "
                                       "expired, not_yet_valid or unreadable.",
                                       list_of("OwnCertificate"))},
              query=(Param("within_days", "Warning window in days (default 30).",
                           {"type": "integer", "minimum": 0}),), errors=(400,)),
)
