"""The demo run: two gateways, one order, its response and its invoice, end to end.

    start       two `gateway serve` processes, each on its own SQLite file in a temporary
                directory, with a fresh admin token each
    onboard     each gateway learns the other's company (gateway.demo.onboarding)
    order       the buyer's ERP submits the Order (UBL built from the canonical model) to the
                partner gateway, which validates it and delivers it to ours over HTTP
    pick up     our ERP finds the order in our internal inbox, reads its JSON, acknowledges it
    answer      our ERP builds the Order Response (T76, accepted) and the Invoice (Peppol BIS
                Billing 3, RF creditor reference) with gateway.ordering and submits both
    receive     the buyer's ERP finds both in the partner gateway's inbox and acknowledges them
    settle      every exchange on both gateways has reached its end state; each document's
                SHA-256 is the same at both ends; both audit chains verify

Any failure or the overall timeout raises `DemoFailure` with what went wrong and the tail of
both gateways' logs; the processes are always stopped.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from pydantic import BaseModel

from gateway.demo.client import JSON, XML, ApiClient
from gateway.demo.onboarding import Onboarded, Side, onboard_pair
from gateway.demo.processes import GatewayProcess, start_all, stop_all
from gateway.demo.scenario import BUYER, SELLER, build_order, seller_account
from gateway.documents.convert import json_to_model, model_to_json_bytes, model_to_xml
from gateway.errors import GatewayError
from gateway.model.invoice import Invoice
from gateway.model.order import Order
from gateway.ordering.invoice_from_order import InvoiceTerms, invoice_from_order
from gateway.ordering.responses import ResponseHeader, accept_order

T = TypeVar("T")
POLL_S = 0.05
DEFAULT_TIMEOUT_S = 120.0
STARTUP_TIMEOUT_S = 90.0
OUTBOUND_DONE = ("delivered", "acknowledged")
INBOUND_DONE = ("routed", "acknowledged")
FAILED = ("rejected", "dead_letter", "cancelled", "refused", "duplicate")
OURS, PARTNER = "ours", "partner"


class DemoFailure(GatewayError):
    code = "demo-failed"


@dataclass(frozen=True, slots=True)
class DemoOptions:
    timeout: float = DEFAULT_TIMEOUT_S
    """Seconds for the whole run, start-up included."""
    keep: bool = False
    """Keep the temporary directory (databases, logs) instead of deleting it."""
    workers: int = 2


@dataclass(slots=True)
class Sent:
    """One business document on its way: who sent it and its exchanges on both gateways."""

    document_type: str
    business_id: str
    sender: str
    receiver: str
    sender_gateway: str
    message_id: str
    outbound_exchange_id: str
    inbound_exchange_id: str | None = None


@dataclass(frozen=True, slots=True)
class ExchangeRow:
    """One line of the summary table: a document as one gateway recorded it."""

    document_type: str
    business_id: str
    route: str
    gateway: str
    direction: str
    state: str
    sha256: str
    attempts: int
    latency_ms: float | None
    """Outbound: accepted -> delivered to the partner; inbound: received -> routed."""


@dataclass
class DemoReport:
    workdir: Path
    kept: bool
    gateways: dict[str, dict[str, Any]] = field(default_factory=dict)
    onboarded: list[Onboarded] = field(default_factory=list)
    rows: list[ExchangeRow] = field(default_factory=list)
    steps: list[tuple[str, float]] = field(default_factory=list)
    invoice: dict[str, str] = field(default_factory=dict)
    audit: dict[str, dict[str, Any]] = field(default_factory=dict)
    order_to_invoice_s: float = 0.0
    total_s: float = 0.0


class Timeline:
    """Wall-clock duration of each step; knows the step in progress (for timeouts)."""

    def __init__(self, report: DemoReport, progress: Callable[[str], None]) -> None:
        self.report = report
        self.progress = progress
        self.current = "starting"

    @asynccontextmanager
    async def step(self, name: str) -> AsyncIterator[None]:
        self.current = name
        self.progress(f"  {name} ...")
        started = time.perf_counter()
        yield
        self.report.steps.append((name, time.perf_counter() - started))


async def run_demo(options: DemoOptions, progress: Callable[[str], None]) -> DemoReport:
    """Run the whole demo; DemoFailure says what failed. Child processes are always stopped."""
    workdir = Path(tempfile.mkdtemp(prefix="gateway-demo-"))
    report = DemoReport(workdir=workdir, kept=options.keep)
    ours = _process(OURS, workdir, options)
    partner = _process(PARTNER, workdir, options)
    timeline = Timeline(report, progress)
    started = time.perf_counter()
    try:
        async with aiohttp.ClientSession() as session, asyncio.timeout(options.timeout):
            await _run(session, ours, partner, report, timeline)
    except TimeoutError:
        raise _failure(f"timed out after {options.timeout:.0f} s during step "
                       f"'{timeline.current}'", ours, partner) from None
    except GatewayError as exc:
        raise _failure(f"step '{timeline.current}' failed: {exc.message}", ours,
                       partner) from None
    except (aiohttp.ClientError, OSError) as exc:
        raise _failure(f"step '{timeline.current}' failed: {type(exc).__name__}: {exc}", ours,
                       partner) from None
    finally:
        stop_all([ours, partner])
        if not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    report.total_s = time.perf_counter() - started
    return report


def _process(name: str, workdir: Path, options: DemoOptions) -> GatewayProcess:
    return GatewayProcess(name=name, data_dir=workdir / name,
                          admin_token=secrets.token_urlsafe(32), workers=options.workers,
                          env={"GATEWAY_LOG_LEVEL": "WARNING"})


def _failure(message: str, *processes: GatewayProcess) -> DemoFailure:
    tails = "\n".join(p.log_tail() for p in processes)
    return DemoFailure(f"{message}\nlast log lines:\n{tails}")


async def _run(session: aiohttp.ClientSession, ours: GatewayProcess, partner: GatewayProcess,
               report: DemoReport, timeline: Timeline) -> None:
    async with timeline.step("start two gateways (gateway serve, SQLite)"):
        health = await start_all([ours, partner], session, timeout=STARTUP_TIMEOUT_S)
        report.gateways = {OURS: health[0] | {"url": ours.base_url, "pid": ours.pid},
                           PARTNER: health[1] | {"url": partner.base_url, "pid": partner.pid}}
    admin = {OURS: ApiClient(session, ours.base_url, ours.admin_token),
             PARTNER: ApiClient(session, partner.base_url, partner.admin_token)}
    async with timeline.step("onboard each gateway in the other"):
        buyer_at_ours, seller_at_partner = await onboard_pair(
            Side(OURS, admin[OURS], ours.base_url, ours.data_dir / "secrets", SELLER,
                 receives=("order",)),
            Side(PARTNER, admin[PARTNER], partner.base_url, partner.data_dir / "secrets", BUYER,
                 receives=("order-response", "invoice")),
        )
        report.onboarded = [buyer_at_ours, seller_at_partner]
    run = _RunIds.new()
    flow_started = time.perf_counter()
    async with timeline.step("partner ERP sends the Order"):
        order = await _submit(admin[PARTNER], seller_at_partner.partner_id, "order",
                              model_to_xml(build_order(run.order_id, run.today, run.time),
                                           "order"), XML, run.order_id,
                              sender=BUYER.legal_name, receiver=SELLER.legal_name,
                              gateway=PARTNER)
    async with timeline.step("our ERP picks the Order from our inbox"):
        received = await _pick_up(admin[OURS], [order], buyer_at_ours.partner_id)
    async with timeline.step("our ERP answers (T76 accepted) and invoices"):
        sent = [order] + await _answer(admin[OURS], buyer_at_ours.partner_id,
                                       received[order.message_id], run, report)
    async with timeline.step("partner ERP receives Order Response and Invoice"):
        await _pick_up(admin[PARTNER], sent[1:], seller_at_partner.partner_id)
    report.order_to_invoice_s = time.perf_counter() - flow_started
    async with timeline.step("every exchange settled, bytes identical at both ends"):
        await _wait_settled(admin)
        report.rows = await _rows(admin, sent)
    async with timeline.step("audit chains verified"):
        for name, client in admin.items():
            verdict = await client.get("/admin/v1/audit/verify")
            if not verdict["ok"]:
                raise DemoFailure(f"the {name} gateway's audit chain is broken: "
                                  f"{verdict['reason']}")
            report.audit[name] = verdict


@dataclass(frozen=True, slots=True)
class _RunIds:
    """Business numbers of this run (unique per run, like an ERP's number ranges)."""

    serial: str
    today: Any
    time: str

    @classmethod
    def new(cls) -> _RunIds:
        now = datetime.now(UTC)
        return cls(f"{now:%y%m%d}-{secrets.randbelow(9000) + 1000}", now.date(),
                   f"{now:%H:%M:%S}")

    @property
    def order_id(self) -> str:
        return f"PO-{self.serial}"

    @property
    def response_id(self) -> str:
        return f"OR-{self.serial}"

    @property
    def invoice_id(self) -> str:
        return f"INV-{self.serial}"

    @property
    def sales_order_id(self) -> str:
        return f"SO-{self.serial}"


async def _submit(client: ApiClient, receiver_id: str, document_type: str, body: bytes,
                  content_type: str, business_id: str, *, sender: str, receiver: str,
                  gateway: str) -> Sent:
    """POST /admin/v1/outbound (the internal systems' send), once per Idempotency-Key."""
    accepted = await client.call(
        "POST", "/admin/v1/outbound", data=body, content_type=content_type,
        params={"receiver": receiver_id, "document_type": document_type},
        headers={"Idempotency-Key": f"demo-{document_type}-{business_id}"},
    )
    return Sent(document_type, business_id, sender, receiver, gateway,
                str(accepted["message_id"]), str(accepted["exchange_id"]))


async def _pick_up(client: ApiClient, expected: list[Sent], partner_id: str
                   ) -> dict[str, BaseModel]:
    """Wait for the documents in the internal inbox, read their JSON, acknowledge them."""
    wanted = {sent.message_id: sent for sent in expected}

    async def arrived() -> list[dict[str, Any]] | None:
        items = await client.pages("/admin/v1/inbox", partner_id=partner_id)
        found = [item for item in items if item["message_id"] in wanted]
        return found if len(found) == len(wanted) else None

    models: dict[str, BaseModel] = {}
    for item in await _poll(arrived):
        sent = wanted[item["message_id"]]
        sent.inbound_exchange_id = item["exchange_id"]
        canonical = await client.get(f"/admin/v1/documents/{item['document_id']}/json")
        model, _ = json_to_model(canonical, item["document_type"], complete=False)
        if getattr(model, "id", None) != sent.business_id:
            raise DemoFailure(f"inbox item {item['exchange_id']} carries "
                              f"{item['document_type']} {getattr(model, 'id', None)!r}, "
                              f"expected {sent.business_id!r}")
        models[sent.message_id] = model
        await client.call("POST", f"/admin/v1/inbox/{item['exchange_id']}/ack")
    return models


async def _answer(client: ApiClient, buyer_id: str, order: BaseModel, run: _RunIds,
                  report: DemoReport) -> list[Sent]:
    """Our ERP: accept the order, invoice it, submit both as the gateway's JSON."""
    if not isinstance(order, Order):
        raise DemoFailure(f"the inbox held a {type(order).__name__}, not an Order")
    response = accept_order(order, ResponseHeader(
        run.response_id, run.today, run.time, sales_order_id=run.sales_order_id,
        note="Thank you for your order. Delivery as requested."))
    invoice = invoice_from_order(order, seller_account(), InvoiceTerms(
        run.invoice_id, run.today, delivery_date=run.today), response=response)
    report.invoice = _invoice_facts(invoice)
    parties = {"sender": SELLER.legal_name, "receiver": BUYER.legal_name, "gateway": OURS}
    return [
        await _submit(client, buyer_id, "order-response", model_to_json_bytes(response), JSON,
                      run.response_id, **parties),
        await _submit(client, buyer_id, "invoice", model_to_json_bytes(invoice), JSON,
                      run.invoice_id, **parties),
    ]


def _invoice_facts(invoice: Invoice) -> dict[str, str]:
    totals = invoice.totals
    means = invoice.payment_means[0] if invoice.payment_means else None
    return {
        "id": str(invoice.id), "currency": str(invoice.currency_code),
        "payable": str(totals.payable_amount if totals else ""),
        "tax": str(invoice.tax_totals[0].tax_amount if invoice.tax_totals else ""),
        "due_date": str(invoice.due_date), "payment_reference": str(means.payment_id if means
                                                                     else ""),
        "iban": str(means.payee_account.id if means and means.payee_account else ""),
        "lines": str(len(invoice.lines)),
        "vat_rates": ", ".join(f"{b.vat_category_code} {b.vat_rate} %"
                               for t in invoice.tax_totals[:1] for b in t.vat_breakdown),
    }


async def _wait_settled(admin: dict[str, ApiClient]) -> None:
    """Until every exchange on both gateways is in its end state; fail fast on a failed one."""

    async def settled() -> bool | None:
        for name, client in admin.items():
            for exchange in await client.pages("/admin/v1/exchanges"):
                state = exchange["state"]
                if state in FAILED:
                    raise DemoFailure(
                        f"{name} gateway: {exchange['direction']} {exchange['document_type']} "
                        f"exchange {exchange['id']} ended {state}: {exchange['last_error']}")
                done = OUTBOUND_DONE if exchange["direction"] == "outbound" else INBOUND_DONE
                if state not in done:
                    return None
        return True

    await _poll(settled)


async def _rows(admin: dict[str, ApiClient], sent: list[Sent]) -> list[ExchangeRow]:
    rows = []
    for item in sent:
        receiver_gateway = PARTNER if item.sender_gateway == OURS else OURS
        outbound = await _row(admin[item.sender_gateway], item, item.outbound_exchange_id,
                              item.sender_gateway)
        if item.inbound_exchange_id is None:
            raise DemoFailure(f"{item.document_type} {item.business_id} was never received")
        inbound = await _row(admin[receiver_gateway], item, item.inbound_exchange_id,
                             receiver_gateway)
        if outbound.sha256 != inbound.sha256:
            raise DemoFailure(f"{item.document_type} {item.business_id}: the bytes received "
                              f"(sha256 {inbound.sha256}) differ from the bytes sent "
                              f"({outbound.sha256})")
        rows += [outbound, inbound]
    return rows


async def _row(client: ApiClient, sent: Sent, exchange_id: str, gateway: str) -> ExchangeRow:
    exchange = await client.get(f"/admin/v1/exchanges/{exchange_id}")
    document = await client.get(f"/admin/v1/documents/{exchange['document_id']}")
    end = "delivered" if exchange["direction"] == "outbound" else "routed"
    reached = [e["at"] for e in exchange["events"] if e["to_state"] == end]
    latency = None
    if reached:
        delta = datetime.fromisoformat(reached[0]) - datetime.fromisoformat(
            exchange["created_at"])
        latency = delta.total_seconds() * 1000
    return ExchangeRow(
        document_type=sent.document_type, business_id=sent.business_id,
        route=f"{sent.sender} -> {sent.receiver}", gateway=gateway,
        direction=exchange["direction"], state=exchange["state"], sha256=document["sha256"],
        attempts=int(exchange["attempts"]), latency_ms=latency,
    )


async def _poll(check: Callable[[], Awaitable[T | None]]) -> T:
    """Call `check` until it returns something other than None (the run's timeout bounds it)."""
    while True:
        result = await check()
        if result is not None:
            return result
        await asyncio.sleep(POLL_S)
