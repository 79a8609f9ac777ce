from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.signing import pki


@pytest.fixture(scope="session")
def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="session")
def dev_pki(now: datetime) -> pki.DevPki:
    return pki.build_dev_pki(now=now)


@pytest.fixture(scope="session")
def other_pki(now: datetime) -> pki.DevPki:
    return pki.build_dev_pki(now=now, seats=("POP000666",), partners=(), tls_hosts=("x",))
