"""`gateway remittance match|parse|import`: payment matching, reading and importing files.

    gateway remittance match --customers F --invoices F --payments F [--advices F] --out PRED.jsonl
    gateway remittance parse FILE [--format camt|mt940|csv|ubl-remittance-advice|remt.001]
    gateway remittance import FILE [--partner-id ID] [--database-url URL]

`match` reads JSON Lines in the cash-application benchmark's format (gateway.remittance.jsonl),
matches the payments in booking-date order and writes one prediction line per payment:
{"payment_id", "decision": "auto"|"review"|"none", "allocations": [{"invoice_id", "amount"}],
"confidence", "strategy", "flags"}; `--explain` adds the reasons, residuals and candidates.
A summary goes to stderr. `import` stores and matches a file against the open items in the
database, like POST /admin/v1/remittances (gateway.remittance.store). `parse` prints the
lines a bank or advice file contains as JSON.
Exit code 2 with a one-line message for unreadable input.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
from collections import Counter
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click
import orjson
from click._termui_impl import ProgressBar

from gateway.cli._database import database_errors, database_url_option, resolve_url
from gateway.cli.errors import reported_errors
from gateway.db.database import Database
from gateway.db.migrations import upgrade_async
from gateway.errors import InputError
from gateway.jsonio import dump_json
from gateway.remittance import jsonl
from gateway.remittance.matching.config import MatchConfig
from gateway.remittance.matching.engine import Matcher
from gateway.remittance.matching.fx import FxRates
from gateway.remittance.matching.ledger import Ledger
from gateway.remittance.matching.parallel import match_in_parallel
from gateway.remittance.store import Imported, Progress, import_file
from gateway.transports.base import utc_now

MAX_FILE_BYTES = 256 * 1024 * 1024
PARALLEL_FROM = 50_000
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("remittance")
def command() -> None:
    """Remittance files and payment matching."""


@command.command("match")
@click.option("--customers", type=_FILE, required=True, help="customers.jsonl (master data)")
@click.option("--invoices", type=_FILE, required=True, help="invoices.jsonl (open items)")
@click.option("--payments", type=_FILE, required=True, help="payments.jsonl (bank lines)")
@click.option("--advices", type=_FILE, help="advices.jsonl (remittance advices)")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--auto-threshold", type=float, help="confidence needed to apply automatically")
@click.option("--fx-rate", "fx_rates", multiple=True, metavar="FROM/TO=RATE",
              help="reference rate, e.g. USD/EUR=0.92 (default: implied by the payments)")
@click.option("--explain", is_flag=True, help="write reasons, residuals and candidates")
@click.option("--workers", type=int, help="processes (payers are partitioned); default: "
              f"2 from {PARALLEL_FROM} payments on a machine with 2+ cores, else 1")
def match_command(customers: Path, invoices: Path, payments: Path, advices: Path | None,
                  out: Path, auto_threshold: float | None, fx_rates: tuple[str, ...],
                  explain: bool, workers: int | None) -> None:
    """Match payments to open invoices and write one prediction line per payment."""
    with reported_errors():
        started = time.perf_counter()
        # Millions of long-lived objects: without this the cyclic collector rescans them all
        # again and again while they are built (quadratic), and later while matching.
        gc.disable()
        config = MatchConfig()
        if auto_threshold is not None:
            config = replace(config, auto_threshold=auto_threshold)
        ledger = Ledger(jsonl.read_jsonl(invoices, jsonl.item_from_row),
                        jsonl.read_jsonl(customers, jsonl.customer_from_row))
        lines = list(jsonl.read_jsonl(payments, jsonl.payment_from_row))
        advice_lines = list(jsonl.read_jsonl(advices, jsonl.advice_from_row)) if advices else []
        gc.freeze()
        gc.enable()
        loaded = time.perf_counter()
        rates = FxRates.implied(lines, _parse_rates(fx_rates))
        matcher = Matcher(ledger, config=config, advices=advice_lines, fx_rates=rates,
                          payments=lines, keep_candidates=explain)
        ordered = sorted(lines, key=lambda line: line.booking_date or line.value_date or 0)
        if workers is None:
            workers = 2 if len(ordered) >= PARALLEL_FROM and (os.cpu_count() or 1) >= 2 else 1
        decisions: Counter[str] = Counter()
        try:
            handle = out.open("w", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
        with handle:
            for result in match_in_parallel(matcher, ordered, workers):
                decisions[result.decision.value] += 1
                handle.write(orjson.dumps(result.to_dict(explain=explain)).decode())
                handle.write("\n")
        finished = time.perf_counter()
        summary = {"payments": len(lines), "advices": len(advice_lines), "workers": workers,
                   "open_items": len(ledger.items), "decisions": dict(decisions),
                   "fx_rates": rates.as_dict(), "seconds_loading": round(loaded - started, 2),
                   "seconds_matching": round(finished - loaded, 2)}
        click.echo(json.dumps(summary), err=True)


def _parse_rates(values: tuple[str, ...]) -> dict[tuple[str, str], Decimal]:
    rates = {}
    for value in values:
        pair, _, rate = value.partition("=")
        source, _, target = pair.partition("/")
        try:
            number = Decimal(rate)
        except InvalidOperation:
            number = Decimal(0)
        if len(source) != 3 or len(target) != 3 or number <= 0:
            raise InputError(f"--fx-rate {value!r}: expected FROM/TO=RATE, e.g. USD/EUR=0.92")
        rates[(source.upper(), target.upper())] = number
    return rates


@command.command("parse")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "format_name", help="skip detection: camt, mt940, csv, "
              "ubl-remittance-advice or remt.001")
def parse_command(file: str, format_name: str | None) -> None:
    """Print the remittance lines of a camt, MT940, CSV, UBL or remt.001 file as JSON."""
    from gateway.cli._io import read_input
    from gateway.remittance.formats import parse_bytes

    with reported_errors():
        data = read_input(file, MAX_FILE_BYTES)
        detected, lines = parse_bytes(data, format_name)
        payload = {"format": detected, "count": len(lines),
                   "lines": [line.to_dict() for line in lines]}
        sys.stdout.write(dump_json(payload) + "\n")


@command.command("import")
@click.argument("file", type=_FILE)
@click.option("--partner-id", help="The partner (bank) the file came from.")
@database_url_option
def import_command(file: Path, partner_id: str | None, database_url: str | None) -> None:
    """Import a bank or advice file: match it against the open items in the database."""
    from gateway.cli._io import read_input

    url = resolve_url(database_url)
    with reported_errors(), database_errors(url):
        data = read_input(str(file), MAX_FILE_BYTES)
        bar = _LazyBar()
        try:
            imported = asyncio.run(_import(url, data, file.name, partner_id, bar.advance))
        finally:
            bar.finish()
    states = Counter(line.state for line in imported.lines)
    verb = "imported" if imported.created else "already imported as"
    summary = ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
    click.echo(f"{file.name}: {verb} {imported.file.id} ({imported.file.format}, "
               f"{imported.file.line_count} lines: {summary or 'none'})")


class _LazyBar:
    """A progress bar on stderr, opened once the number of lines is known."""

    def __init__(self) -> None:
        self.bar: ProgressBar[int] | None = None

    def advance(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="matching", file=sys.stderr)
        self.bar.update(1)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.render_finish()


async def _import(url: str, data: bytes, filename: str, partner_id: str | None,
                  progress: Progress) -> Imported:
    db = Database.from_url(url)
    try:
        await upgrade_async(db.engine)
        return await import_file(db, data, filename=filename, now=utc_now(), actor="cli",
                                 partner_id=partner_id, progress=progress)
    finally:
        await db.dispose()
