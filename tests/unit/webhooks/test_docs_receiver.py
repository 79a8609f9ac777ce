"""The receiver example in docs/webhooks.md must verify what the gateway signs, and nothing else."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.webhooks.signing import SigningKey, sign, sign_with_keys

DOC = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"
SECRET = b"whsec_receiver_example_secret"
BODY = b'{"created_at":"2024-06-03T16:00:00+00:00","data":{},"id":"evt_1","type":"a.b"}'
T0 = datetime(2024, 6, 3, 16, 0, tzinfo=UTC)


def receiver_source() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    sources: list[str] = [b for b in blocks if "def verify_gateway_signature" in b]
    assert len(sources) == 1, "docs/webhooks.md must hold exactly one receiver example"
    return sources[0]


@pytest.fixture(scope="module")
def receiver() -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "docs_receiver"}
    exec(compile(receiver_source(), str(DOC), "exec"), namespace)
    return namespace


def lowered(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def verify(receiver: dict[str, Any], headers: dict[str, str], body: bytes, **kw: Any) -> str:
    result: str = receiver["verify_gateway_signature"](
        lowered(headers), body, {"k1": SECRET}, now=T0.timestamp() + 5, **kw
    )
    return result


def test_accepts_a_gateway_signature(receiver: dict[str, Any]) -> None:
    assert verify(receiver, sign(BODY, SECRET, "k1", T0), BODY) == "k1"


def test_accepts_a_rotation_signature(receiver: dict[str, Any]) -> None:
    keys = [SigningKey("k2", b"whsec_the_new_key_000"), SigningKey("k1", SECRET)]
    assert verify(receiver, sign_with_keys(BODY, keys, T0), BODY) == "k1"


def test_rejects_a_tampered_body(receiver: dict[str, Any]) -> None:
    with pytest.raises(receiver["InvalidSignature"], match="no signature matches"):
        verify(receiver, sign(BODY, SECRET, "k1", T0), BODY + b" ")


def test_rejects_an_old_request(receiver: dict[str, Any]) -> None:
    old = datetime(2024, 6, 3, 15, 0, tzinfo=UTC)
    with pytest.raises(receiver["InvalidSignature"], match="tolerance"):
        verify(receiver, sign(BODY, SECRET, "k1", old), BODY)


def test_rejects_an_unknown_key_and_missing_headers(receiver: dict[str, Any]) -> None:
    with pytest.raises(receiver["InvalidSignature"]):
        verify(receiver, sign(BODY, SECRET, "k7", T0), BODY)
    with pytest.raises(receiver["InvalidSignature"], match="missing"):
        verify(receiver, {}, BODY)
