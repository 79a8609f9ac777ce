"""End-to-end invoices per second: JSON in through the API -> validated -> persisted ->
delivered to a local partner endpoint, with p50/p99 latency.

Usage: python bench/bench_e2e.py [--backend sqlite|postgresql|all] [--processes 1 2]
                                 [--documents N] [--warmup W] [--concurrency C] [--rate R/s]
                                 [--runs R] [--workers K] [--postgres URL]
                                 [--idempotency-keys] [--profile DIR] [--output FILE]

Each run starts fresh `gateway serve` processes (one or two, sharing one database: a new SQLite
file, or a new PostgreSQL database on --postgres / GATEWAY_TEST_POSTGRES_URL), onboards a
receiving partner (an HTTP endpoint in this process that answers 200 and records when each
message id first arrived), sends W warm-up invoices, then N invoices with C requests in flight
(or, with --rate, at that fixed rate) spread over the processes, through
POST /admin/v1/outbound as the gateway's JSON. Each invoice
is validated (own EN 16931 + Peppol rules, or the official artefacts when
GATEWAY_ARTEFACTS_DIR is set), rendered to UBL, stored with its exchange, events and audit
entries, queued, claimed by an outbox worker and POSTed to the partner.

* throughput = N / (time the last invoice reached the partner - time the first was sent);
* latency = per invoice, from the start of its API request to its arrival at the partner
  (p50, p99), and the API request alone (accepted and queued: 202). At full speed (closed
  loop) the API accepts faster than the outbox delivers and the latency is mostly queueing;
  --rate below the throughput shows the latency of an unsaturated gateway;
* gateway CPU ms/invoice = user + system CPU of the gateway processes during the measured
  phase, divided by N (what each invoice costs, whatever else runs on the machine).

The median of R runs is printed, per backend and process count. With --profile DIR the first
gateway process of each configuration is sampled with py-spy (if installed) during the
measured phase; its collapsed stacks (py-spy raw format, input of flamegraph tools) go to DIR.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.e2e.harness

from gateway.demo.client import JSON, ApiError
from tests.e2e.harness import (
    POSTGRES_ENV,
    Cluster,
    CountingPartner,
    invoices,
    temporary_postgres_database,
)

SETTLE_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Config:
    backend: str
    processes: int


@dataclass
class RunResult:
    throughput: float
    p50_ms: float
    p99_ms: float
    api_p50_ms: float
    api_p99_ms: float
    seconds: float
    cpu_ms_per_invoice: float
    """CPU time of the gateway processes (user + system) per measured invoice."""


def cpu_seconds(pids: list[int | None]) -> float:
    """User + system CPU time so far of the processes (Linux /proc), threads included."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        if pid is None:
            continue
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


async def _send(cluster: Cluster, receiver: str, documents: list[tuple[str, bytes]],
                concurrency: int, keys: bool, rate: float | None = None
                ) -> tuple[dict[str, str], dict[str, float], list[float]]:
    """Submit every document; (key -> message id, key -> send start, API latencies).

    Closed loop (`rate` None): `concurrency` requests in flight at all times, i.e. as fast as
    the gateway accepts. Open loop: one request every 1/`rate` seconds, whatever the answers
    (at most `concurrency` x 8 in flight), to measure latency at a given load.
    """
    message_ids: dict[str, str] = {}
    started: dict[str, float] = {}
    api: list[float] = []
    admins = [cluster.admin(n) for n in range(len(cluster.processes))]

    async def submit(index: int, key: str, body: bytes) -> None:
        headers = {"Idempotency-Key": f"bench-{key}"} if keys else None
        started[key] = time.perf_counter()
        try:
            answer = await admins[index % len(admins)].call(
                "POST", "/admin/v1/outbound", data=body, content_type=JSON,
                params={"receiver": receiver, "document_type": "invoice"}, headers=headers)
        except ApiError as exc:
            raise SystemExit(f"invoice {key} refused: {exc.message}") from None
        api.append(time.perf_counter() - started[key])
        message_ids[key] = str(answer["message_id"])

    if rate is None:
        queue: asyncio.Queue[tuple[int, str, bytes]] = asyncio.Queue()
        for index, (key, body) in enumerate(documents):
            queue.put_nowait((index, key, body))

        async def worker() -> None:
            while not queue.empty():
                await submit(*queue.get_nowait())

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return message_ids, started, api
    limit = asyncio.Semaphore(concurrency * 8)
    origin = time.perf_counter()

    async def paced(index: int, key: str, body: bytes) -> None:
        async with limit:
            await submit(index, key, body)

    tasks = []
    for index, (key, body) in enumerate(documents):
        await asyncio.sleep(max(0.0, origin + index / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(paced(index, key, body)))
    await asyncio.gather(*tasks)
    return message_ids, started, api


async def _wait_received(partner: CountingPartner, message_ids: dict[str, str]) -> None:
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    wanted = set(message_ids.values())
    while not wanted <= partner.first_seen.keys():
        if time.monotonic() > deadline:
            missing = len(wanted - partner.first_seen.keys())
            raise SystemExit(f"{missing} invoices never reached the partner")
        await asyncio.sleep(0.01)


def _start_profiler(pid: int | None, directory: Path | None, label: str
                    ) -> subprocess.Popen[bytes] | None:
    beside = Path(sys.executable).with_name("py-spy")
    spy = shutil.which("py-spy") or (str(beside) if beside.exists() else None)
    if directory is None or pid is None or spy is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--rate", "200", "--subprocesses",
         "--output", str(directory / f"{label}.folded"), "--format", "raw"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop_profiler(profiler: subprocess.Popen[bytes] | None) -> None:
    if profiler is not None:
        profiler.send_signal(2)  # SIGINT: py-spy writes its output and exits
        profiler.wait(timeout=60)


async def one_run(config: Config, args: argparse.Namespace, run: int) -> RunResult:
    documents = invoices(args.warmup + args.documents, prefix=f"INV-B{run}")
    warmup, measured = documents[:args.warmup], documents[args.warmup:]
    root = Path(tempfile.mkdtemp(prefix="bench-e2e-"))
    partner = CountingPartner()
    async with AsyncExitStack() as stack:
        stack.callback(shutil.rmtree, root, True)
        url = None
        if config.backend == "postgresql":
            url = await stack.enter_async_context(temporary_postgres_database(args.postgres))
        await partner.start()
        stack.push_async_callback(partner.stop)
        session = await stack.enter_async_context(aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0)))
        cluster = Cluster.create(root, session, count=config.processes, database_url=url,
                                 workers=args.workers, env={"GATEWAY_LOG_LEVEL": "WARNING"})
        stack.callback(cluster.stop)
        await cluster.start()
        try:
            ids, started, api, cpu = await _measure(cluster, partner, config, args, run,
                                                    warmup, measured, root)
        except SystemExit:
            print(cluster.logs(), file=sys.stderr)
            raise
    arrivals = {key: partner.first_seen[message_id] for key, message_id in ids.items()}
    latencies = [arrivals[key] - started[key] for key in ids]
    elapsed = max(arrivals.values()) - min(started.values())
    return RunResult(len(ids) / elapsed, percentile(latencies, 0.5) * 1000,
                     percentile(latencies, 0.99) * 1000, percentile(api, 0.5) * 1000,
                     percentile(api, 0.99) * 1000, elapsed, cpu / len(ids) * 1000)


async def _measure(cluster: Cluster, partner: CountingPartner, config: Config,
                   args: argparse.Namespace, run: int, warmup: list[tuple[str, bytes]],
                   measured: list[tuple[str, bytes]], root: Path
                   ) -> tuple[dict[str, str], dict[str, float], list[float], float]:
    receiver = await cluster.onboard_receiver(partner, root / "receiver-token")
    ids, _, _ = await _send(cluster, receiver, warmup, args.concurrency, args.keys)
    await _wait_received(partner, ids)
    label = f"{config.backend}-{config.processes}p-run{run}"
    profiler = _start_profiler(cluster.processes[0].pid, args.profile, label) \
        if run == 0 else None
    pids = [process.pid for process in cluster.processes]
    cpu_before = cpu_seconds(pids)
    try:
        ids, started, api = await _send(cluster, receiver, measured, args.concurrency,
                                        args.keys, args.rate)
        await _wait_received(partner, ids)
        cpu = cpu_seconds(pids) - cpu_before
    finally:
        _stop_profiler(profiler)
    return ids, started, api, cpu


def _median(results: list[RunResult]) -> RunResult:
    def med(name: str) -> float:
        return float(statistics.median(float(getattr(r, name)) for r in results))

    return RunResult(med("throughput"), med("p50_ms"), med("p99_ms"), med("api_p50_ms"),
                     med("api_p99_ms"), med("seconds"), med("cpu_ms_per_invoice"))


def _row(config: Config, result: RunResult, runs: list[RunResult]) -> str:
    spread = ", ".join(f"{r.throughput:.0f}" for r in runs)
    return (f"| {config.backend} | {config.processes} | {result.throughput:.1f} "
            f"| {result.p50_ms:.0f} | {result.p99_ms:.0f} | {result.api_p50_ms:.0f} "
            f"| {result.api_p99_ms:.0f} | {result.cpu_ms_per_invoice:.1f} | {spread} |")


HEADER = ("| database | processes | invoices/s (median) | p50 ms | p99 ms | API p50 ms "
          "| API p99 ms | gateway CPU ms/invoice | invoices/s per run |\n"
          "|---|---|---|---|---|---|---|---|---|")


async def main(args: argparse.Namespace) -> list[str]:
    backends = ["sqlite", "postgresql"] if args.backend == "all" else [args.backend]
    rows = []
    for backend in backends:
        if backend == "postgresql" and not args.postgres:
            print(f"skipping PostgreSQL: no --postgres or {POSTGRES_ENV}", file=sys.stderr)
            continue
        for processes in args.processes:
            config = Config(backend, processes)
            runs = []
            for run in range(args.runs):
                result = await one_run(config, args, run)
                print(f"{backend} x{processes} run {run + 1}: {result.throughput:.1f} "
                      f"invoices/s, p50 {result.p50_ms:.0f} ms, p99 {result.p99_ms:.0f} ms, "
                      f"{result.cpu_ms_per_invoice:.1f} CPU ms/invoice",
                      file=sys.stderr)
                runs.append(result)
            rows.append(_row(config, _median(runs), runs))
            print(HEADER + "\n" + "\n".join(rows), flush=True)
    return rows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "all"), default="all")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=16,
                        help="requests in flight (closed loop)")
    parser.add_argument("--rate", type=float, default=None,
                        help="offered load in invoices/s (open loop) instead of as fast as "
                             "possible: latency at that load")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2,
                        help="outbox workers per gateway process")
    parser.add_argument("--postgres", default=os.environ.get(POSTGRES_ENV),
                        help=f"server URL (default {POSTGRES_ENV})")
    parser.add_argument("--idempotency-keys", dest="keys", action="store_true",
                        help="send an Idempotency-Key with every request")
    parser.add_argument("--profile", type=Path, default=None,
                        help="write py-spy collapsed stacks of the first run here")
    parser.add_argument("--output", type=Path, default=None,
                        help="also append the result table (and the command) to this file")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    table = asyncio.run(main(arguments))
    if arguments.output is not None and table:
        command = "python " + " ".join(sys.argv)
        with arguments.output.open("a", encoding="utf-8") as handle:
            handle.write(f"\n`{command}`\n\n{HEADER}\n" + "\n".join(table) + "\n")
