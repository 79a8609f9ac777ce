"""`gateway serve` as a child process: start it, wait until it is healthy, stop it.

One `GatewayProcess` is one gateway: its own data directory, database URL, admin token and
port, and a log file that collects its output (shown when something goes wrong). `stop`
asks it to finish (SIGTERM: the workers record the batch in hand) and kills it if it does
not; `kill` is kill -9, for crash tests. Only the process this object started is ever
signalled, by its pid.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import aiohttp

from gateway.errors import GatewayError

LOOPBACK = "127.0.0.1"
LOG_TAIL_LINES = 25
STOP_TIMEOUT_S = 35.0
"""Longer than the app's own 30 s shutdown grace for its workers."""


class ProcessError(GatewayError):
    code = "gateway-process"


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that was free a moment ago (the child binds it; a race is reported by the
    child's exit and its log)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass
class GatewayProcess:
    """One `gateway serve` child process."""

    name: str
    data_dir: Path
    admin_token: str
    database_url: str | None = None
    """None: SQLite in `data_dir` (the default of `gateway serve`)."""
    port: int = 0
    """0: a free port chosen at start."""
    workers: int = 2
    webhook_workers: int = 1
    env: Mapping[str, str] = field(default_factory=dict)
    """Extra environment (GATEWAY_* settings) on top of the parent's."""
    extra_args: Sequence[str] = ()
    host: str = LOOPBACK
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    starts: int = field(default=0, init=False)
    _log_file: IO[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'gateway.sqlite'}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / f"{self.name}.log"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def command(self) -> list[str]:
        return [sys.executable, "-m", "gateway.cli.main", "serve", "--host", self.host,
                "--port", str(self.port), "--workers", str(self.workers),
                "--webhook-workers", str(self.webhook_workers), *self.extra_args]

    def start(self) -> None:
        """Start the child (again, after a stop or a kill, on the same port and data)."""
        if self.running():
            raise ProcessError(f"{self.name} is already running (pid {self.pid})")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.port == 0:
            self.port = free_port(self.host)
        environment = {**os.environ, **self.env, "GATEWAY_DATA_DIR": str(self.data_dir),
                       "GATEWAY_DATABASE_URL": self.database,
                       "GATEWAY_ADMIN_TOKEN": self.admin_token}
        self._close_log()
        self._log_file = self.log_path.open("ab")
        self._log_file.write(f"--- start {self.starts + 1}: {' '.join(self.command())}\n"
                             .encode())
        self._log_file.flush()
        self.process = subprocess.Popen(
            self.command(), env=environment, stdin=subprocess.DEVNULL,
            stdout=self._log_file, stderr=subprocess.STDOUT,
        )
        self.starts += 1

    async def wait_healthy(self, session: aiohttp.ClientSession, timeout: float = 60.0
                           ) -> dict[str, object]:
        """The /health answer once the gateway serves; ProcessError (with the log tail) if
        the child exits or does not answer within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise ProcessError(f"{self.name} exited with status {self.returncode()} while "
                                   f"starting\n{self.log_tail()}")
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                async with session.get(f"{self.base_url}/health",
                                       timeout=aiohttp.ClientTimeout(total=2)) as response:
                    if response.status == 200:
                        body = await response.json()
                        return dict(body)
            await asyncio.sleep(0.1)
        raise ProcessError(f"{self.name} did not become healthy in {timeout:.0f} s\n"
                           f"{self.log_tail()}")

    def returncode(self) -> int | None:
        return self.process.poll() if self.process is not None else None

    def kill(self) -> None:
        """kill -9: no shutdown, no cleanup (what a crash looks like)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def send_terminate(self) -> None:
        """SIGTERM without waiting (to stop several gateways in parallel)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int | None:
        """SIGTERM, then SIGKILL after `timeout` seconds; the exit status."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
        self._close_log()
        return process.returncode

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return f"({self.name}: no log)"
        tail = text.splitlines()[-lines:]
        return "\n".join(f"  {self.name}| {line}" for line in tail)

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


async def start_all(processes: Sequence[GatewayProcess], session: aiohttp.ClientSession,
                    timeout: float = 60.0) -> list[dict[str, object]]:
    """Start every process and wait until all are healthy (their /health answers)."""
    for process in processes:
        process.start()
    return list(await asyncio.gather(*(p.wait_healthy(session, timeout) for p in processes)))


def stop_all(processes: Sequence[GatewayProcess]) -> None:
    """Stop every process that is still running (SIGTERM first; never raises)."""
    for process in processes:
        if process.running():
            process.send_terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.stop()
