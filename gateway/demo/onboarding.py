"""Onboarding two gateways in each other, through their admin APIs only.

For each direction (gateway A learns about the company behind gateway B):

1. ``POST /admin/v1/partners``: B's company becomes a partner (a tenant) of A;
2. ``POST .../identifiers``: its Peppol participant id (scheme 0007, checked by A);
3. ``POST .../api-keys``: the key B's gateway uses to deliver to A (shown once; it is written
   to a file only B's gateway reads, never into a database);
4. ``PUT .../capabilities``: the document types B's company receives from A;
5. ``POST .../endpoints``: where A delivers to B: B's ``/v1/documents``, with the bearer key
   B issued to A as ``bearer_token_ref: file:...`` (resolved at send time).

Keys are issued in both directions before any endpoint refers to them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gateway.demo.client import ApiClient
from gateway.demo.scenario import Company

DELIVERY_PATH = "/v1/documents"
ENDPOINT_TIMEOUT_S = 15


@dataclass(frozen=True, slots=True)
class Side:
    """One gateway and the company it serves."""

    name: str
    admin: ApiClient
    base_url: str
    secrets_dir: Path
    company: Company
    receives: tuple[str, ...]
    """Document types (registry keys) this company receives."""

    def key_file(self, issued_by: str) -> Path:
        """Where this side keeps the API key gateway `issued_by` gave it."""
        return self.secrets_dir / f"api-key-from-{issued_by}"


@dataclass(frozen=True, slots=True)
class Onboarded:
    """How one gateway knows the other side: the partner id and its records."""

    gateway: str
    partner_id: str
    partner_name: str
    identifier: str
    api_key_id: str
    endpoint_id: str
    endpoint_url: str
    capabilities: tuple[str, ...]


async def onboard_pair(first: Side, second: Side) -> tuple[Onboarded, Onboarded]:
    """Onboard each side in the other; returns (second as known to first, first as known to
    second)."""
    partner_in_first = await _register(first, second)
    partner_in_second = await _register(second, first)
    return (await _connect(first, second, *partner_in_first),
            await _connect(second, first, *partner_in_second))


async def _register(host: Side, guest: Side) -> tuple[str, str, str]:
    """Partner, identifier and API key for `guest` at `host`; (partner id, identifier, key id)."""
    partner = await host.admin.post_json("/admin/v1/partners", {
        "name": guest.company.legal_name, "key_prefix": guest.company.key_prefix,
        "settings": {"onboarded_by": "gateway demo"},
    })
    base = f"/admin/v1/partners/{partner['id']}"
    identifier = await host.admin.post_json(base + "/identifiers",
                                            {"identifier": guest.company.participant_id})
    key = await host.admin.post_json(base + "/api-keys", {"label": f"{guest.name} gateway"})
    _write_secret(guest.key_file(issued_by=host.name), key["api_key"])
    return str(partner["id"]), str(identifier["identifier"]), str(key["key_id"])


async def _connect(host: Side, guest: Side, partner_id: str, identifier: str,
                   key_id: str) -> Onboarded:
    """Capabilities and the delivery endpoint of `guest` at `host`."""
    base = f"/admin/v1/partners/{partner_id}"
    capabilities = await host.admin.call("PUT", base + "/capabilities",
                                         json={"document_types": list(guest.receives)})
    url = guest.base_url + DELIVERY_PATH
    endpoint = await host.admin.post_json(base + "/endpoints", {
        "transport": "http", "url": url,
        "settings": {"bearer_token_ref": f"file:{host.key_file(issued_by=guest.name)}",
                     "allow_plain_http": True, "timeout": ENDPOINT_TIMEOUT_S},
    })
    return Onboarded(gateway=host.name, partner_id=partner_id,
                     partner_name=guest.company.legal_name, identifier=identifier,
                     api_key_id=key_id, endpoint_id=str(endpoint["id"]), endpoint_url=url,
                     capabilities=tuple(capabilities["document_types"]))


def _write_secret(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
