"""`gateway serve` as a process: migrates its database, serves, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_health(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gateway serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return bytes(response.read())
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gateway serve did not become healthy")


def test_serve_runs_migrates_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "GATEWAY_DATA_DIR": str(tmp_path), "GATEWAY_ADMIN_TOKEN": "adm",
           "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.sqlite'}"}
    env.pop("GATEWAY_ARTEFACTS_DIR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli.main", "serve", "--port", str(port),
         "--workers", "3"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        body = wait_for_health(f"http://127.0.0.1:{port}/health", process)
        assert b'"outbox_workers": 3' in body
        request = urllib.request.Request(f"http://127.0.0.1:{port}/admin/v1/partners",
                                         headers={"Authorization": "Bearer adm"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=40)
    assert process.returncode == 0, stderr.decode()
    assert (tmp_path / "serve.sqlite").exists()
