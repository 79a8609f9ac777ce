"""`gateway serve` with a configuration file: JSON log lines with request ids, and a bad
setting stops it before it starts, naming the key."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.integration.api.test_serve import free_port, wait_for_health


def serve(tmp_path: Path, config: str) -> subprocess.Popen[bytes]:
    path = tmp_path / "gateway.toml"
    path.write_text(config, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env |= {"GATEWAY_CONFIG": str(path), "GATEWAY_ADMIN_TOKEN": "adm-secret-token"}
    return subprocess.Popen([sys.executable, "-m", "gateway.cli.main", "serve"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_serve_reads_the_file_and_logs_json_with_request_ids(tmp_path: Path) -> None:
    port = free_port()
    process = serve(tmp_path, f'port = {port}\nworkers = 1\nlog_format = "json"\n'
                              f'data_dir = "{tmp_path}"\n')
    try:
        wait_for_health(f"http://127.0.0.1:{port}/readyz", process)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/admin/v1/partners",
            headers={"Authorization": "Bearer adm-secret-token", "X-Request-Id": "trace-42"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=40)
    assert process.returncode == 0, stderr.decode()
    records = [json.loads(line) for line in stderr.decode().splitlines()
               if line.startswith("{")]
    assert records, stderr.decode()
    assert all({"time", "level", "logger", "message", "request_id", "exchange_id"} <= set(r)
               for r in records)
    access = [r for r in records if r["logger"] == "aiohttp.access"]
    assert any("request_id=trace-42" in r["message"] for r in access)
    assert b"adm-secret-token" not in stderr
    assert (tmp_path / "gateway.sqlite").exists()


def test_serve_refuses_a_bad_setting(tmp_path: Path) -> None:
    process = serve(tmp_path, 'port = "http"\n')
    _, stderr = process.communicate(timeout=40)
    assert process.returncode == 2
    assert "key 'port': expected an integer" in stderr.decode()
