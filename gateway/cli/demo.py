"""`gateway demo [--timeout S] [--keep] [--json]`: two gateways trade an order and its invoice.

Starts two `gateway serve` processes on loopback, each on its own SQLite file in a temporary
directory (ours, the seller, and a trading partner, the buyer), onboards each in the other
through the admin API, has the buyer send an Order, answers it with an Order Response and an
Invoice, waits until the buyer's gateway holds both and every exchange is settled, and prints
what happened. Needs nothing but the installed package: without official artefacts the
gateways validate with their own rules (GATEWAY_ARTEFACTS_DIR, when set, is used).

Exit status 0 when the whole exchange went through, 1 with the reason (and the gateways' last
log lines) when something failed or the timeout passed. The gateway processes are stopped in
every case, also on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import signal
from typing import Any

import click

from gateway.demo.flow import DEFAULT_TIMEOUT_S, DemoFailure, DemoOptions, DemoReport, run_demo
from gateway.demo.summary import as_json, render


@click.command("demo")
@click.option("--timeout", type=click.FloatRange(1, 3600), default=DEFAULT_TIMEOUT_S,
              show_default=True, help="Seconds for the whole run, start-up included.")
@click.option("--keep", is_flag=True,
              help="Keep the temporary directory (both databases and logs) and print it.")
@click.option("--json", "as_json_output", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def command(ctx: click.Context, timeout: float, keep: bool, as_json_output: bool) -> None:
    """Run two gateways on loopback and trade an Order, its Response and the Invoice."""
    progress = (lambda _: None) if as_json_output else (lambda line: click.echo(line, err=True))
    if not as_json_output:
        click.echo("gateway demo: two gateways on loopback, an order, its response and its "
                   "invoice", err=True)
    try:
        report = asyncio.run(_run_cancellable(DemoOptions(timeout=timeout, keep=keep), progress))
    except DemoFailure as exc:
        click.echo(f"demo failed: {exc.message}", err=True)
        ctx.exit(1)
    except (KeyboardInterrupt, asyncio.CancelledError):
        click.echo("demo interrupted; the gateways were stopped", err=True)
        ctx.exit(130)
    if as_json_output:
        click.echo(json.dumps(as_json(report), indent=2, default=str))
    else:
        click.echo(render(report))


async def _run_cancellable(options: DemoOptions, progress: Any) -> DemoReport:
    """run_demo, cancelled (so its cleanup runs) when the process gets SIGTERM."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await run_demo(options, progress)
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
