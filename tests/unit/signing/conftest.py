"""A development PKI made once per session (RSA key generation is the slow part)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.signing import pki

BILLING_EXAMPLE = "peppol-bis-billing-3/examples/base-example.xml"


@pytest.fixture(scope="session")
def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="session")
def dev_pki(now: datetime) -> pki.DevPki:
    return pki.build_dev_pki(now=now)


@pytest.fixture(scope="session")
def partner(dev_pki: pki.DevPki) -> pki.IssuedCertificate:
    return dev_pki.entries["partners/partner-a"]


@pytest.fixture(scope="session")
def other_pki(now: datetime) -> pki.DevPki:
    """An unrelated CA: its certificates must never be trusted by ``dev_pki`` anchors."""
    return pki.build_dev_pki(now=now, seats=(), partners=("intruder",), tls_hosts=("x",))


@pytest.fixture(scope="session")
def invoice(standards_dir: Path) -> bytes:
    return (standards_dir / BILLING_EXAMPLE).read_bytes()
