"""`gateway demo` as a user runs it: a subprocess, exit status and printed summary.

The demo itself starts two `gateway serve` processes; the environment is cleaned of the
GATEWAY_* settings a developer may have set (the demo must need none of them), except the
artefacts directory, which the demo honours when set.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import Any

from stdnum import iso11649

DEMO_TIMEOUT_S = 400
DOCUMENT_TYPES = ("order", "order-response", "invoice")


def run_demo(*args: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("GATEWAY_") or name == "GATEWAY_ARTEFACTS_DIR"}
    return subprocess.run([sys.executable, "-m", "gateway.cli.main", "demo", *args],
                          env=env, capture_output=True, text=True, timeout=DEMO_TIMEOUT_S,
                          check=False)


def test_demo_trades_an_order_and_its_invoice() -> None:
    result = run_demo()
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.rstrip().endswith("Demo OK")
    rows = [line.split() for line in out.splitlines()
            if line.strip().split(" ")[0] in DOCUMENT_TYPES and "ms" in line]
    # each document twice: as its sender's gateway and its receiver's gateway recorded it
    assert [(row[0], row[2], row[3]) for row in rows] == [
        ("order", "partner", "outbound"), ("order", "ours", "inbound"),
        ("order-response", "ours", "outbound"), ("order-response", "partner", "inbound"),
        ("invoice", "ours", "outbound"), ("invoice", "partner", "inbound"),
    ]
    assert {row[4] for row in rows if row[3] == "outbound"} == {"delivered"}
    assert {row[4] for row in rows if row[3] == "inbound"} == {"acknowledged"}
    sha_prefixes = [row[6] for row in rows]
    assert sha_prefixes[0::2] == sha_prefixes[1::2]  # same bytes at both ends
    reference = re.search(r"quoting (RF\d\d[0-9A-Z]+)", out)
    assert reference is not None
    assert iso11649.is_valid(reference.group(1))
    assert "amount due 12804.68 SEK" in out
    assert "Audit chains verified: ours" in out
    assert "order sent -> invoice in the buyer's inbox" in out


def test_demo_json_report_and_cleanup() -> None:
    result = run_demo("--json")
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    documents = report["documents"]
    assert len(documents) == 6
    for sent, received in zip(documents[0::2], documents[1::2], strict=True):
        assert sent["sha256"] == received["sha256"]
        assert sent["state"] == "delivered"
        assert received["state"] == "acknowledged"
        assert sent["latency_ms"] > 0
        assert received["latency_ms"] > 0
    assert all(verdict["ok"] for verdict in report["audit"].values())
    assert report["invoice"]["payable"] == "12804.68"
    # both gateway processes were stopped and the temporary directory removed
    for gateway in report["gateways"].values():
        assert not os.path.exists(f"/proc/{gateway['pid']}"), gateway
    assert not os.path.exists(report["workdir"])


def test_demo_fails_clearly_when_it_runs_out_of_time() -> None:
    # Starting two `gateway serve` processes alone takes longer than a second.
    result = run_demo("--timeout", "1")
    assert result.returncode == 1
    assert "demo failed: timed out after 1 s during step" in result.stderr
