"""Cash-application benchmark: generate, match with the CLI, score, time, check the gates.

    python bench/bench_remittance.py [--generator ../shared/bench/remittance/remit_bench.py]
        [--work /tmp/remittance-bench] [--cases gates|quick|CASE,...] [--repeat 1]
        [--notes FILE]

Data is generated under --work (never in the repository) by the shared generator, which this
script calls by path. Each case runs `gateway remittance match` in a fresh process; wall time
and peak resident memory are those of that process (os.wait4), the median over --repeat runs.
The score comes from `remit_bench.py --score`. Gates (issue 6):
  sepa_b2b, seeds 1-3, size M: precision >= 0.997, net_value >= 0.72, and no automatic
    decision on non_ar, duplicate or ref_closed lines;
  clean (M): auto_rate >= 0.95;  us_decoupled (M): precision >= 0.995;
  sepa_b2b size L: <= 60 s wall and <= 4 GiB peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SIZES = {"S": (20_000, 2_000), "M": (200_000, 20_000), "L": (1_000_000, 100_000)}
NEVER_AUTO = ("non_ar", "duplicate", "ref_closed")
GiB = 1024 ** 3


@dataclass
class Case:
    profile: str
    size: str
    seed: int
    gates: dict[str, tuple[str, float]] = field(default_factory=dict)  # metric: (op, bound)
    timed: bool = False

    @property
    def name(self) -> str:
        return f"{self.profile}-{self.size}-seed{self.seed}"


def gate_cases() -> list[Case]:
    quality = {"precision": (">=", 0.997), "net_value": (">=", 0.72)}
    cases = [Case("sepa_b2b", "M", seed, dict(quality)) for seed in (1, 2, 3)]
    cases.append(Case("clean", "M", 1, {"auto_rate": (">=", 0.95)}))
    cases.append(Case("us_decoupled", "M", 1, {"precision": (">=", 0.995)}))
    cases.append(Case("sepa_b2b", "L", 1, {"wall_s": ("<=", 60.0), "peak_gib": ("<=", 4.0)},
                      timed=True))
    return cases


def quick_cases() -> list[Case]:
    return [Case(p, "S", s) for p in ("sepa_b2b", "clean", "us_decoupled") for s in (1, 2, 3)]


def generate(generator: Path, work: Path, case: Case) -> Path:
    target = work / f"{case.profile}-{case.size}-seed{case.seed}"
    if (target / "manifest.json").exists():
        return target
    invoices, payments = SIZES[case.size]
    subprocess.run([sys.executable, str(generator), "--out", str(target), "--invoices",
                    str(invoices), "--payments", str(payments), "--seed", str(case.seed),
                    "--profile", case.profile], check=True, stdout=subprocess.DEVNULL)
    return target


def run_matcher(data: Path, out: Path) -> tuple[float, int, float]:
    """Wall seconds, peak RSS bytes and CPU seconds of one `gateway remittance match` process
    (CPU time shows the cost when other work shares the two cores)."""
    command = [str(Path(sys.executable).parent / "gateway"), "remittance", "match",
               "--customers", str(data / "customers.jsonl"),
               "--invoices", str(data / "invoices.jsonl"),
               "--payments", str(data / "payments.jsonl"),
               "--advices", str(data / "advices.jsonl"), "--out", str(out)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"matcher failed on {data}: {stderr}")
    return wall, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime  # maxrss in KiB


def score(generator: Path, data: Path, predictions: Path) -> dict[str, Any]:
    output = subprocess.run([sys.executable, str(generator), "--score", str(data),
                             str(predictions)], check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(output.stdout)
    return result


def evaluate(case: Case, metrics: dict[str, Any]) -> list[str]:
    failures = []
    for metric, (op, bound) in case.gates.items():
        value = metrics[metric]
        ok = value >= bound if op == ">=" else value <= bound
        if not ok:
            failures.append(f"{metric} {value:.4f} not {op} {bound}")
    if case.profile == "sepa_b2b" and not case.timed:
        for tag in NEVER_AUTO:
            automatic = metrics["by_tag"].get(tag, {}).get("auto", 0)
            if automatic:
                failures.append(f"{automatic} automatic decision(s) on {tag}")
    return failures


def run_case(case: Case, generator: Path, work: Path, repeat: int) -> dict[str, Any]:
    data = generate(generator, work, case)
    predictions = work / f"{case.name}.pred.jsonl"
    runs = [run_matcher(data, predictions) for _ in range(repeat)]
    metrics = score(generator, data, predictions)
    metrics["wall_s"] = statistics.median(r[0] for r in runs)
    metrics["peak_gib"] = max(r[1] for r in runs) / GiB
    metrics["cpu_s"] = statistics.median(r[2] for r in runs)
    metrics["failures"] = evaluate(case, metrics)
    return metrics


def markdown(results: list[tuple[Case, dict[str, Any]]], command: str) -> str:
    lines = ["## Remittance matching (issue 6)", "", f"Command: `{command}`", "",
             "| case | payments | auto_rate | precision | recall | wrong | net_value | oracle "
             "| wall s | CPU s | peak GiB | gates |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for case, m in results:
        verdict = "pass" if not m["failures"] else "FAIL: " + "; ".join(m["failures"])
        if not case.gates:
            verdict = "-"
        lines.append(
            f"| {case.name} | {m['payments']} | {m['auto_rate']:.4f} | {m['precision']:.4f} | "
            f"{m['recall']:.4f} | {m['wrong_auto']} | {m['net_value']:.4f} | "
            f"{m['oracle_auto_ceiling']:.4f} | {m['wall_s']:.1f} | {m['cpu_s']:.1f} | "
            f"{m['peak_gib']:.2f} | "
            f"{verdict} |")
    for case, m in results:
        lines += ["", f"Per-case breakdown, {case.name} (n / auto / correct / wrong):", "",
                  "| tag | n | auto | correct | wrong |", "|---|---|---|---|---|"]
        for tag, counts in sorted(m["by_tag"].items()):
            lines.append(f"| {tag} | {counts['n']} | {counts['auto']} | {counts['correct']} | "
                         f"{counts['wrong']} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--generator", type=Path,
                        default=REPO.parent / "shared" / "bench" / "remittance" / "remit_bench.py")
    parser.add_argument("--work", type=Path, default=Path("/tmp/remittance-bench"))
    parser.add_argument("--cases", default="gates", help="gates, quick, or names like "
                        "sepa_b2b-M-seed1")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--notes", type=Path, help="write the results as markdown to this file")
    args = parser.parse_args()
    if args.cases == "gates":
        cases = gate_cases()
    elif args.cases == "quick":
        cases = quick_cases()
    else:
        cases = []
        for name in args.cases.split(","):
            profile, size, seed = name.rsplit("-", 2)
            cases.append(Case(profile, size, int(seed.removeprefix("seed"))))
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for case in cases:
        metrics = run_case(case, args.generator, args.work, args.repeat)
        results.append((case, metrics))
        print(json.dumps({"case": case.name, **{k: metrics[k] for k in (
            "auto_rate", "precision", "recall", "wrong_auto", "net_value", "oracle_auto_ceiling",
            "wall_s", "cpu_s", "peak_gib", "failures")}}), flush=True)
    command = "python bench/bench_remittance.py " + " ".join(sys.argv[1:])
    report = markdown(results, command.strip())
    if args.notes:
        args.notes.write_text(report)
    print(report)
    return 1 if any(m["failures"] for c, m in results if c.gates) else 0


if __name__ == "__main__":
    sys.exit(main())
