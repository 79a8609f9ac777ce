"""The demo's printed report: the gateways, the documents and their exchanges, the timings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gateway.demo.flow import DemoReport, ExchangeRow

SHA_PREFIX = 12
COLUMNS = ("document", "id", "gateway", "direction", "state", "tries", "sha256", "latency")


def render(report: DemoReport) -> str:
    """The whole report as text (plain ASCII, fits 100 columns)."""
    parts = [_gateways(report), _documents(report.rows), _invoice(report.invoice),
             _timings(report), _footer(report)]
    return "\n\n".join(part for part in parts if part)


def _gateways(report: DemoReport) -> str:
    lines = ["Gateways"]
    for name, info in report.gateways.items():
        artefacts = info.get("artefacts_version") or "none (own rules)"
        lines.append(f"  {name:<8} {info.get('url')}  pid {info.get('pid')}  database "
                     f"{info.get('database')}  workers {info.get('outbox_workers')}  official "
                     f"artefacts: {artefacts}")
    for record in report.onboarded:
        lines.append(f"  {record.gateway:<8} knows {record.partner_name} as partner "
                     f"{record.partner_id} ({record.identifier}), receives "
                     f"{', '.join(record.capabilities)} at {record.endpoint_url}")
    return "\n".join(lines)


def _documents(rows: Sequence[ExchangeRow]) -> str:
    table = [COLUMNS] + [
        (row.document_type, row.business_id, row.gateway, row.direction, row.state,
         str(row.attempts), row.sha256[:SHA_PREFIX] + "...", _ms(row.latency_ms))
        for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    lines = ["Documents (each one as its sender's and its receiver's gateway recorded it)"]
    for index, line in enumerate(table):
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in
                                      zip(line, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  " + "  ".join("-" * width for width in widths))
    routes = sorted({(row.document_type, row.route) for row in rows},
                    key=lambda item: [r.document_type for r in rows].index(item[0]))
    lines += [f"  {document}: {route}" for document, route in routes]
    lines.append("  latency: outbound = accepted -> delivered to the partner gateway; "
                 "inbound = received -> validated and routed")
    lines.append("  the SHA-256 of every document is identical at both ends")
    return "\n".join(lines)


def _invoice(facts: dict[str, str]) -> str:
    if not facts:
        return ""
    return "\n".join([
        "Invoice",
        f"  {facts['id']}: {facts['lines']} lines, VAT {facts['tax']} {facts['currency']} "
        f"({facts['vat_rates']}), amount due {facts['payable']} {facts['currency']} by "
        f"{facts['due_date']}",
        f"  pay to {facts['iban']} quoting {facts['payment_reference']} "
        "(ISO 11649 creditor reference, check digits verified)",
    ])


def _timings(report: DemoReport) -> str:
    lines = ["Timings"]
    lines += [f"  {seconds * 1000:>9.0f} ms  {name}" for name, seconds in report.steps]
    lines.append(f"  {report.order_to_invoice_s * 1000:>9.0f} ms  order sent -> invoice in the "
                 "buyer's inbox")
    lines.append(f"  {report.total_s * 1000:>9.0f} ms  total (start-up and shutdown included)")
    return "\n".join(lines)


def _footer(report: DemoReport) -> str:
    audits = ", ".join(f"{name} {verdict['entries']} entries" for name, verdict in
                       report.audit.items())
    lines = [f"Audit chains verified: {audits}"]
    if report.kept:
        lines.append(f"Databases and logs kept in {report.workdir}")
    lines.append("Demo OK")
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def as_json(report: DemoReport) -> dict[str, Any]:
    """The report as JSON-ready data (for --json)."""
    return {
        "workdir": str(report.workdir), "kept": report.kept,
        "gateways": report.gateways,
        "onboarded": [vars_of(record) for record in report.onboarded],
        "documents": [vars_of(row) for row in report.rows],
        "invoice": report.invoice,
        "steps": [{"step": name, "ms": round(seconds * 1000, 1)}
                  for name, seconds in report.steps],
        "order_to_invoice_ms": round(report.order_to_invoice_s * 1000, 1),
        "total_ms": round(report.total_s * 1000, 1),
        "audit": report.audit,
    }


def vars_of(value: Any) -> dict[str, Any]:
    return {name: getattr(value, name) for name in value.__slots__}
