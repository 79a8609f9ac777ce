"""Matching a large batch on several cores: partition by payer, fork, merge, resolve conflicts.

Payments of one payer must be matched in one process, in booking order: their partial
payments, duplicates and advices depend on each other. So lines are partitioned by payer (the
debtor account, else the name key), each partition is matched by a forked copy of the matcher
(the ledger is shared copy-on-write, nothing is re-read), and the results are merged in the
original order.

A payer may still pay another customer's invoice (payer ≠ buyer, factors, PSP payouts), so two
partitions can apply the same open item. The merge walks the results in booking order and
demotes any automatic match that touches an item an earlier automatic match of *another*
partition already applied: it becomes a review with the `settled_reference` flag, exactly what
a sequential run reports for a reference to a settled item. The parent's ledger then receives
the surviving allocations, so it ends in the same state a sequential run would reach for them.
"""

from __future__ import annotations

import multiprocessing
import zlib
from collections.abc import Sequence
from dataclasses import replace
from multiprocessing.connection import Connection

from gateway.remittance.matching.engine import Matcher
from gateway.remittance.matching.money import to_minor
from gateway.remittance.matching.payer import compact_account, name_key
from gateway.remittance.matching.result import Decision, Flag, MatchResult
from gateway.remittance.model import RemittanceLine


def payer_key(line: RemittanceLine) -> str:
    """Lines with the same key must be matched by the same process."""
    debtor = line.debtor
    account = compact_account(debtor.iban or debtor.account or "")
    return account or name_key(debtor.name or "") or line.line_id


def partition(lines: Sequence[RemittanceLine], parts: int) -> list[list[int]]:
    """Positions of `lines` per part, by a stable hash of the payer key."""
    result: list[list[int]] = [[] for _ in range(parts)]
    for position, line in enumerate(lines):
        result[zlib.crc32(payer_key(line).encode()) % parts].append(position)
    return result


def match_in_parallel(matcher: Matcher, lines: Sequence[RemittanceLine],
                      workers: int) -> list[MatchResult]:
    """The results for `lines` (in their order), matched by `workers` processes."""
    if workers <= 1 or len(lines) < 2:
        return [matcher.match(line) for line in lines]
    groups = partition(lines, workers)
    context = multiprocessing.get_context("fork")
    children = []
    for group in groups[1:]:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_work, args=(matcher, [lines[i] for i in group],
                                                      sender), daemon=True)
        process.start()
        sender.close()
        children.append((process, receiver, group))
    # The parent works on a fork of its own state so that the merge can apply everything once.
    own = _fork_and_collect(context, matcher, [lines[i] for i in groups[0]])
    by_position: dict[int, tuple[int, MatchResult]] = {
        position: (0, result) for position, result in zip(groups[0], own, strict=True)}
    for part, (process, receiver, group) in enumerate(children, start=1):
        results: list[MatchResult] = receiver.recv()
        process.join()
        for position, result in zip(group, results, strict=True):
            by_position[position] = (part, result)
    return _merge(matcher, lines, [by_position[p] for p in range(len(lines))])


def _work(matcher: Matcher, lines: list[RemittanceLine], sender: Connection) -> None:
    sender.send([matcher.match(line) for line in lines])
    sender.close()


def _fork_and_collect(context: multiprocessing.context.ForkContext, matcher: Matcher,
                      lines: list[RemittanceLine]) -> list[MatchResult]:
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_work, args=(matcher, lines, sender), daemon=True)
    process.start()
    sender.close()
    results: list[MatchResult] = receiver.recv()
    process.join()
    return results


def _merge(matcher: Matcher, lines: Sequence[RemittanceLine],
           results: list[tuple[int, MatchResult]]) -> list[MatchResult]:
    ledger = matcher.ledger
    index_of = {item.item_id: i for i, item in enumerate(ledger.items)} if results else {}
    applied_by: dict[int, int] = {}  # item -> partition that applied it
    merged: list[MatchResult] = []
    for line, (part, result) in zip(lines, results, strict=True):
        if result.decision is Decision.AUTO and result.match is not None:
            items = [index_of[a.item_id] for a in result.match.allocations]
            if any(applied_by.get(i, part) != part for i in items):
                result = replace(result, decision=Decision.REVIEW,
                                 flags=(*result.flags, Flag.SETTLED_REFERENCE),
                                 note="another payment in the batch settled these items first")
            else:
                _apply(matcher, line, result, items)
                for item in items:
                    applied_by[item] = part
        merged.append(result)
    return merged


def _apply(matcher: Matcher, line: RemittanceLine, result: MatchResult,
           items: list[int]) -> None:
    """Replay an automatic match of a worker on the parent's ledger."""
    assert result.match is not None
    ledger = matcher.ledger
    close = result.match.fit not in ("underpaid", "overpaid", "currency_mismatch")
    for item, allocation in zip(items, result.match.allocations, strict=True):
        ledger.apply(item, to_minor(allocation.amount, allocation.currency), line.line_id)
        if close:
            ledger.write_off(item, line.line_id)
