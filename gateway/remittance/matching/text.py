"""Reading remittance free text: which documents, amounts and customer numbers a payer wrote.

Steps, each to keep one kind of token from being mistaken for another:

1. Mask what is not a document number but contains digits: RF references (resolved separately,
   by check digits), IBANs, customer numbers after a keyword ("Kd-Nr 4711"), dates and amounts
   ("1.234,56"). Customer numbers and amounts are kept as facts.
2. Split the rest into alphanumeric tokens. Windows of up to three tokens joined by nothing, a
   space, a dash or a dot are looked up as full document numbers and purchase-order numbers
   (longest first), so "INV 2025 0004711" and "2025-0004711" are one mention each.
3. Token windows shaped like a full number of this ledger (learned prefix, digit count +-1) that
   are not found exactly become fuzzy mentions: a typo, a transposition or a dropped digit.
4. Remaining digit tokens of three or more digits are short mentions ("4711").

A mention keeps its exact candidates; its edit-distance-1 candidates are computed only when the
exact ones do not reconcile with the amount (`Mention.fuzzy`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise

from gateway.remittance.matching.config import MatchConfig
from gateway.remittance.matching.ledger import Ledger
from gateway.remittance.references import is_valid_rf

_RF = re.compile(r"\bRF\d{2}[A-Z0-9]{1,21}\b")
_RF_SPACED = re.compile(r"\bRF\d{2}(?: [A-Z0-9]{4}){1,5}(?: [A-Z0-9]{1,3})?\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b")
_DATE = re.compile(
    r"(?<![0-9])(?:\d{1,2}[./]\d{1,2}[./](?:\d{4}|\d{2})|(?:19|20)\d\d-[01]\d-[0-3]\d)(?![0-9])")
_AMOUNT = re.compile(
    r"(?<![0-9.,])(?:\d{1,3}(?:[.,']\d{3})+|\d+)[.,]\d{2}(?![0-9]|[.,]\d)")
_TOKEN = re.compile(r"[A-Z0-9]+")
_JOINABLE = frozenset(("", " ", "-", "."))
_MAX_WINDOW = 3


class MentionKind(StrEnum):
    FULL = "full_number"
    SHORT = "short_number"
    PURCHASE_ORDER = "purchase_order"


@dataclass(slots=True)
class Mention:
    """One document the payer referred to, with the ledger items it may mean."""

    written: str  # the key looked up ("INV20250004711", "20250004711", "4711")
    kind: MentionKind
    exact: tuple[int, ...]
    fuzzy_key: str | None = None  # what to vary for typo candidates (digits), if anything
    _fuzzy: tuple[int, ...] | None = field(default=None, repr=False)

    def fuzzy(self, ledger: Ledger) -> tuple[int, ...]:
        """Items one digit edit away (not the exact candidates), computed once."""
        if self._fuzzy is None:
            if not self.fuzzy_key:
                self._fuzzy = ()
            else:
                index = ledger.shorts if self.kind is MentionKind.SHORT else ledger.numbers
                found = ledger.fuzzy(self.fuzzy_key, index)
                self._fuzzy = tuple(i for i in found if i not in self.exact)
        return self._fuzzy


@dataclass(frozen=True, slots=True)
class TextFacts:
    mentions: tuple[Mention, ...] = ()
    rf_references: tuple[str, ...] = ()  # valid ISO 11649 references written in the text
    invalid_rf: tuple[str, ...] = ()  # RF-shaped but failing the check digits
    customer_numbers: tuple[str, ...] = ()
    stated_amounts: tuple[Decimal, ...] = ()
    deduction_hint: bool = False
    non_ar_keyword: str | None = None
    unresolved: tuple[str, ...] = ()  # number-shaped tokens matching nothing, even fuzzily

    @property
    def has_references(self) -> bool:
        return bool(self.mentions or self.rf_references or self.invalid_rf or self.unresolved)


@dataclass(slots=True)
class _Token:
    text: str
    start: int
    end: int
    used: bool = False


class TextReader:
    """Turns remittance text into `TextFacts` against one ledger (compiled once)."""

    def __init__(self, ledger: Ledger, config: MatchConfig) -> None:
        self.ledger = ledger
        keywords = sorted(config.customer_number_keywords, key=len, reverse=True)
        alternatives = "|".join(re.escape(k).replace(r"\ ", r"[\s.-]*") for k in keywords)
        self._customer_number = re.compile(
            rf"\b(?:{alternatives})(?:[\s.-]*(?:NR|NO|NUMMER|NUMBER|#))?[\s.:#-]*"
            r"([A-Z]{0,3}\d{3,})\b")
        self._non_ar = re.compile(
            r"\b(" + "|".join(re.escape(k) for k in config.non_ar_keywords) + ")")
        self._deduction = re.compile(
            r"\b(?:" + "|".join(re.escape(k) for k in config.deduction_keywords) + ")")

    def read(self, text: str) -> TextFacts:
        if not text.strip():
            return TextFacts()
        upper = text.upper()
        masked = list(upper)
        rf_valid, rf_invalid = self._structured_references(upper, masked)
        self._mask(_IBAN, upper, masked)
        customer_numbers = self._customer_numbers(upper, masked)
        self._mask(_DATE, "".join(masked), masked)
        amounts = self._amounts("".join(masked), masked)
        tokens = [_Token(m.group(0), m.start(), m.end())
                  for m in _TOKEN.finditer("".join(masked))]
        separators = [upper[a.end:b.start] for a, b in pairwise(tokens)]
        mentions = self._exact_windows(tokens, separators)
        unresolved: list[str] = []
        mentions += self._fuzzy_windows(tokens, separators, unresolved)
        mentions += self._short_tokens(tokens, unresolved)
        return TextFacts(
            mentions=tuple(mentions), rf_references=tuple(rf_valid),
            invalid_rf=tuple(rf_invalid), customer_numbers=tuple(customer_numbers),
            stated_amounts=tuple(amounts), deduction_hint=bool(self._deduction.search(upper)),
            non_ar_keyword=self._non_ar_keyword(upper), unresolved=tuple(unresolved))

    # ------------------------------------------------------------------ masking
    @staticmethod
    def _mask(pattern: re.Pattern[str], text: str, masked: list[str]) -> list[str]:
        found = []
        for match in pattern.finditer(text):
            found.append(match.group(0))
            masked[match.start():match.end()] = "|" * (match.end() - match.start())
        return found

    def _structured_references(self, upper: str, masked: list[str]) -> tuple[list[str], list[str]]:
        valid: list[str] = []
        invalid: list[str] = []
        for pattern in (_RF, _RF_SPACED):
            for written in self._mask(pattern, "".join(masked), masked):
                ref = written.replace(" ", "")
                (valid if is_valid_rf(ref) else invalid).append(ref)
        return valid, invalid

    def _customer_numbers(self, upper: str, masked: list[str]) -> list[str]:
        found = []
        for match in self._customer_number.finditer(upper):
            found.append(match.group(1))
            masked[match.start():match.end()] = "|" * (match.end() - match.start())
        return found

    def _amounts(self, text: str, masked: list[str]) -> list[Decimal]:
        values = []
        for written in self._mask(_AMOUNT, text, masked):
            digits = re.sub(r"[.,']", "", written)
            values.append(Decimal(digits[:-2] + "." + digits[-2:]))
        return values

    def _non_ar_keyword(self, upper: str) -> str | None:
        match = self._non_ar.search(upper)
        return match.group(1) if match else None

    # ------------------------------------------------------------------ mentions
    def _windows(self, tokens: list[_Token], separators: list[str], start: int) -> list[int]:
        """Sizes (longest first) of windows of unused tokens from `start`, joinably separated."""
        sizes = [1]
        for size in range(2, _MAX_WINDOW + 1):
            last = start + size - 1
            if last >= len(tokens) or tokens[last].used or separators[last - 1] not in _JOINABLE:
                break
            sizes.append(size)
        return sizes[::-1]

    def _exact_windows(self, tokens: list[_Token], separators: list[str]) -> list[Mention]:
        ledger = self.ledger
        mentions: list[Mention] = []
        i = 0
        while i < len(tokens):
            if tokens[i].used:
                i += 1
                continue
            for size in self._windows(tokens, separators, i):
                key = "".join(t.text for t in tokens[i:i + size])
                found = ledger.by_number(key)
                kind = MentionKind.FULL
                if not found:
                    found, kind = ledger.by_po(key), MentionKind.PURCHASE_ORDER
                if found:
                    digits = key if kind is MentionKind.FULL else None
                    fuzzy_key = _digits_key(digits, ledger) if digits else None
                    mentions.append(Mention(key, kind, found, fuzzy_key))
                    for token in tokens[i:i + size]:
                        token.used = True
                    i += size - 1
                    break
            i += 1
        return mentions

    def _fuzzy_windows(self, tokens: list[_Token], separators: list[str],
                       unresolved: list[str]) -> list[Mention]:
        ledger = self.ledger
        mentions: list[Mention] = []
        for i in range(len(tokens)):
            if tokens[i].used:
                continue
            for size in self._windows(tokens, separators, i):
                window = tokens[i:i + size]
                digits = self._full_shaped_digits([t.text for t in window])
                if digits is None:
                    continue
                mention = Mention(digits, MentionKind.FULL, ledger.by_number(digits), digits)
                if mention.exact or mention.fuzzy(ledger):
                    mentions.append(mention)
                else:
                    unresolved.append(" ".join(t.text for t in window))
                for token in window:
                    token.used = True
                break
        return mentions

    def _full_shaped_digits(self, texts: list[str]) -> str | None:
        """The digits of a token window that looks like a full number of this ledger."""
        shape = self.ledger.shape
        prefix, first = shape.split_prefix(texts[0])
        rest = [first, *texts[1:]] if first else texts[1:]
        if not rest or not all(t.isdigit() for t in rest):
            return None
        digits = "".join(rest)
        if len(rest) > 1:
            return digits if shape.groups_match([len(t) for t in rest]) else None
        has_prefix = bool(prefix) or (len(texts) > 1 and shape.is_prefix(texts[0]))
        if not shape.looks_full(digits):
            return None
        if not has_prefix and len(digits) < shape.min_digits:
            return None
        return digits

    def _short_tokens(self, tokens: list[_Token], unresolved: list[str]) -> list[Mention]:
        ledger = self.ledger
        mentions: list[Mention] = []
        for token in tokens:
            if token.used or not token.text.isdigit():
                continue
            key = token.text.lstrip("0")
            if len(key) < 3:
                continue
            mention = Mention(key, MentionKind.SHORT, ledger.by_short(key),
                              key if len(key) >= 4 else None)
            if mention.exact or mention.fuzzy(ledger):
                mentions.append(mention)
            elif len(key) >= 4:
                unresolved.append(token.text)
        return mentions


def _digits_key(key: str, ledger: Ledger) -> str | None:
    digits = "".join(ch for ch in key if ch.isdigit())
    return digits if digits and ledger.by_number(digits) else None
