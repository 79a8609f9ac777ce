"""How document numbers are written, and how a payer may write them.

The keys are derived from the tenant's own numbers, not from digits alone (Odoo reduces every
token to its digits, so customer numbers, dates and amounts collide with invoice numbers):

- the compact form: upper case, separators removed ("INV-2025-0004711" -> "INV20250004711");
- the digits of a number that also has letters ("20250004711"), because payers drop prefixes;
- short forms: the last digit group without its leading zeros ("4711"), and for purely numeric
  numbers with a series digit ("90004711") the part after it ("4711").

Typos are handled by generating the edit-distance-1 variants of what the payer wrote
(substitution, adjacent transposition, deletion, insertion of a digit) and looking each one up;
nothing extra is indexed. `NumberShape` learns from the ledger which written tokens are
shaped like a full number (prefixes, digit count), so that those are resolved as one mention.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")
_DIGIT_RUNS = re.compile(r"\d+")
_LEADING_LETTERS = re.compile(r"^[A-Z]+")
_DIGITS = "0123456789"
MIN_SHORT_LENGTH = 3  # "12" in a text is far more often a day, a quantity or a page


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def compact(number: str) -> str:
    upper = number.upper()
    if upper.isalnum() and upper.isascii():
        return upper
    plain = upper.replace("-", "").replace(" ", "").replace("/", "").replace(".", "")
    return plain if plain.isalnum() and plain.isascii() else _NON_ALNUM.sub("", upper)


def index_keys(number: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`full_keys` and `short_keys` of a number at once (one normalisation per ledger item)."""
    key = compact(number)
    if not key:
        return (), ()
    digits = key.lstrip(_LETTERS)
    if not digits.isdigit():
        digits = "".join(_DIGIT_RUNS.findall(key))
    full = (key, digits) if digits and digits != key and len(digits) >= MIN_SHORT_LENGTH + 2 \
        else (key,)
    trailing = number[len(number.rstrip(_DIGITS)):]
    if not trailing:
        return full, short_keys(number)
    tail = trailing.lstrip("0")
    short: tuple[str, ...] = (tail,) if len(tail) >= MIN_SHORT_LENGTH and tail != key else ()
    if key.isdigit() and len(key) >= 6 and key[1] == "0":
        series_stripped = key[1:].lstrip("0")
        if len(series_stripped) >= MIN_SHORT_LENGTH and series_stripped not in short:
            short = (*short, series_stripped)
    return full, short


def full_keys(number: str) -> tuple[str, ...]:
    """The keys under which a document number is found when written in full."""
    key = compact(number)
    if not key:
        return ()
    digits = key.lstrip(_LETTERS)  # the common shape: letters, then digits only
    if not digits.isdigit():
        digits = "".join(_DIGIT_RUNS.findall(key))
    if digits and digits != key and len(digits) >= MIN_SHORT_LENGTH + 2:
        return (key, digits)
    return (key,)


def short_keys(number: str) -> tuple[str, ...]:
    """Short forms a payer writes instead of the full number (see the module docstring)."""
    key = compact(number)
    runs = _DIGIT_RUNS.findall(number)
    if not runs:
        return ()
    found: list[str] = []
    tail = runs[-1].lstrip("0")
    if len(tail) >= MIN_SHORT_LENGTH and tail != key:
        found.append(tail)
    if key.isdigit() and len(key) >= 6 and key[1] == "0":
        series_stripped = key[1:].lstrip("0")
        if len(series_stripped) >= MIN_SHORT_LENGTH and series_stripped not in found:
            found.append(series_stripped)
    return tuple(found)


def digit_variants(written: str) -> dict[str, None]:
    """Every string at edit distance 1 from `written` whose edits touch digits only, in a
    fixed order (a dict used as an ordered set)."""
    n = len(written)
    variants: list[str] = []
    for i, ch in enumerate(written):
        if ch.isdigit():
            head, tail = written[:i], written[i + 1:]
            variants += [head + d + tail for d in _DIGITS]
            variants.append(head + tail)
            if tail and tail[0].isdigit() and tail[0] != ch:
                variants.append(head + tail[0] + ch + tail[1:])
    for i in range(n + 1):
        if (i > 0 and written[i - 1].isdigit()) or (i < n and written[i].isdigit()):
            head, tail = written[:i], written[i:]
            variants += [head + d + tail for d in _DIGITS]
    found = dict.fromkeys(variants)
    found.pop(written, None)
    return found


@dataclass(frozen=True, slots=True)
class NumberShape:
    """What a full document number looks like in this ledger (learned, not configured)."""

    prefixes: frozenset[str]  # leading letters of the numbers ("INV")
    min_digits: int
    max_digits: int
    groups: tuple[int, ...] = ()  # digit group lengths of most numbers ("INV-2025-0004711": 4, 7)

    @classmethod
    def learn(cls, numbers: Iterable[str], sample: int = 10_000) -> NumberShape:
        prefix_count: Counter[str] = Counter()
        lengths: Counter[int] = Counter()
        patterns: Counter[tuple[int, ...]] = Counter()
        total = 0
        for total, number in enumerate(numbers, start=1):
            key = compact(number)
            match = _LEADING_LETTERS.match(key)
            if match:
                prefix_count[match.group(0)] += 1
            lengths[sum(ch.isdigit() for ch in key)] += 1
            patterns[tuple(len(run) for run in _DIGIT_RUNS.findall(number))] += 1
            if total >= sample:
                break
        if not lengths:
            return cls(frozenset(), 0, 0)
        # A prefix counts when at least 1 % of the numbers use it; rare ones are noise.
        prefixes = frozenset(p for p, c in prefix_count.items() if c * 100 >= total)
        common = [n for n, c in lengths.items() if c * 100 >= total] or list(lengths)
        pattern, count = patterns.most_common(1)[0]
        groups = pattern if count * 2 >= total and len(pattern) > 1 else ()
        return cls(prefixes, min(common), max(common), groups)

    def split_prefix(self, token: str) -> tuple[str, str]:
        """("INV", "20250004711") for "INV20250004711"; ("", token) without a known prefix."""
        match = _LEADING_LETTERS.match(token)
        if match and match.group(0) in self.prefixes:
            return match.group(0), token[match.end():]
        return "", token

    def is_prefix(self, token: str) -> bool:
        return token in self.prefixes

    def groups_match(self, lengths: list[int]) -> bool:
        """Digit groups written apart ("2025 0004711") in this ledger's pattern, +-1 each."""
        if len(lengths) != len(self.groups):
            return False
        return all(abs(a - b) <= 1 for a, b in zip(lengths, self.groups, strict=True)) and abs(
            sum(lengths) - sum(self.groups)) <= 1

    def looks_full(self, digits: str) -> bool:
        """Digit count of a full number, allowing one inserted or dropped digit."""
        return self.min_digits > 0 and self.min_digits - 1 <= len(digits) <= self.max_digits + 1
