"""Who paid: the payer's account, name and customer number mapped to customers.

Order of trust (notes/remittance.md section 7.2): the debtor IBAN or account number is an
identity; a name is a hint, because names repeat across customers and banks truncate and
re-spell them. Names are compared by a key: upper case, transliterated (Mueller = Muller =
Müller), punctuation removed and trailing legal forms dropped ("GmbH & Co. KG", "B.V.", "Ltd").
A key that differs by one character (a typo), a key whose last word was cut off, or a known
alias still finds the customer, marked as a fuzzy name match.

Learning: `learn` remembers a confirmed IBAN or name alias. An account seen paying for two
unrelated customers (a factor, a payment service provider) is marked shared and stops
identifying anyone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from gateway.remittance.matching.ledger import Customer, Ledger
from gateway.remittance.model import Party

LEGAL_FORMS = frozenset((
    "GMBH", "MBH", "GESELLSCHAFT", "AG", "KG", "KGAA", "CO", "COKG", "EK", "E", "K", "OHG", "UG",
    "GBR", "EV", "EG", "SE", "BV", "B", "V", "NV", "N", "BVBA", "SPRL", "SRL", "S", "R", "L", "SA",
    "A", "SAS", "SARL", "SPA", "P", "LTD", "LIMITED", "PLC", "LLP", "INC", "INCORPORATED", "LLC",
    "CORP", "CORPORATION", "AB", "OY", "AS", "APS"))
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_TRANSLIT = (("UE", "U"), ("AE", "A"), ("OE", "O"), ("SS", "S"))
MIN_PREFIX = 8


@lru_cache(maxsize=65_536)
def name_key(name: str) -> str:
    """The comparable form of a company or person name (see the module docstring)."""
    text = unicodedata.normalize("NFKD", name.upper().replace("ß", "SS"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    for written, plain in _TRANSLIT:
        text = text.replace(written, plain)
    text = text.replace(".", "")  # "G.m.b.H.", "S.p.A.", "Co.KG" are written with and without
    tokens = [t for t in _NON_ALNUM.split(text) if t]
    while len(tokens) > 1 and tokens[-1] in LEGAL_FORMS:
        tokens.pop()
    return " ".join(tokens)


def _deletions(key: str) -> set[str]:
    return {key[:i] + key[i + 1:] for i in range(len(key))}


def compact_account(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


@dataclass(frozen=True, slots=True)
class PayerIdentity:
    """What the payer's details say about who paid."""

    account_customer: str | None = None  # identified by IBAN or account number
    account_learned: bool = False  # ... through an account learned from an earlier match
    account_shared: bool = False  # the account pays for several customers (factor, PSP)
    name_customers: frozenset[str] = frozenset()
    name_exact: bool = False
    text_customers: tuple[str, ...] = ()  # customer numbers quoted in the remittance text

    @property
    def known(self) -> bool:
        return bool(self.account_customer or self.name_customers or self.text_customers)


class PayerDirectory:
    """Account and name indexes over the customers of a `Ledger`."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.accounts: dict[str, str] = {}
        self.learned_accounts: dict[str, str] = {}
        self.shared_accounts: set[str] = set()
        self.names: dict[str, set[str]] = {}
        self.name_deletions: dict[str, set[str]] = {}
        self.name_prefixes: dict[str, list[str]] = {}
        self.numbers: dict[str, str] = {}
        self._name_cache: dict[str, tuple[frozenset[str], bool]] = {}
        for customer in ledger.customers.values():
            self._index(customer)

    def _index(self, customer: Customer) -> None:
        for account in (*customer.ibans, *customer.accounts):
            key = compact_account(account)
            owner = self.accounts.setdefault(key, customer.customer_id)
            if owner != customer.customer_id:
                self.shared_accounts.add(key)
        for name in (customer.name, *customer.aliases):
            self._index_name(name, customer.customer_id)
        number = compact_account(customer.customer_id)
        self.numbers[number] = customer.customer_id
        digits = "".join(ch for ch in number if ch.isdigit()).lstrip("0")
        if digits:
            self.numbers.setdefault(digits, customer.customer_id)

    def _index_name(self, name: str, customer_id: str) -> None:
        key = name_key(name)
        if not key:
            return
        self._name_cache.clear()
        self.names.setdefault(key, set()).add(customer_id)
        if len(key) >= 5:
            for deleted in _deletions(key):
                self.name_deletions.setdefault(deleted, set()).add(customer_id)
        if len(key) >= MIN_PREFIX:
            self.name_prefixes.setdefault(key[:MIN_PREFIX], []).append(key)

    # ------------------------------------------------------------------ identification
    def identify(self, debtor: Party, ultimate: Party | None = None,
                 customer_numbers: Iterable[str] = ()) -> PayerIdentity:
        account_customer, learned, shared = self._by_account(debtor)
        names: frozenset[str] = frozenset()
        exact = False
        for party in (ultimate, debtor):
            if party is not None and party.name:
                names, exact = self.by_name(party.name)
                if names:
                    break
        numbers = tuple(dict.fromkeys(
            c for n in customer_numbers if (c := self.by_customer_number(n)) is not None))
        return PayerIdentity(account_customer, learned, shared, names, exact, numbers)

    def _by_account(self, debtor: Party) -> tuple[str | None, bool, bool]:
        for account in (debtor.iban, debtor.account):
            if not account:
                continue
            key = compact_account(account)
            if key in self.shared_accounts:
                return None, False, True
            if key in self.accounts:
                return self.accounts[key], False, False
            if key in self.learned_accounts:
                return self.learned_accounts[key], True, False
        return None, False, False

    def by_name(self, name: str) -> tuple[frozenset[str], bool]:
        """Customers whose name (or alias) matches, and whether the match was exact.

        Names repeat: a common one may fit hundreds of customers, which still says something
        (the payer is one of them), so the whole set is kept."""
        key = name_key(name)
        cached = self._name_cache.get(key)
        if cached is None:
            cached = self._name_cache[key] = self._by_name_key(key)
        return cached

    def _by_name_key(self, key: str) -> tuple[frozenset[str], bool]:
        if not key:
            return frozenset(), False
        exact = self.names.get(key)
        if exact:
            return frozenset(exact), True
        found: set[str] = set()
        if len(key) >= 5:
            found |= self.name_deletions.get(key, set())
            for deleted in _deletions(key):
                found |= self.names.get(deleted, set())
        if not found and len(key) >= MIN_PREFIX:
            found |= self._by_prefix(key)
        if not found and " " in key:
            shorter = key.rsplit(" ", 1)[0]
            if len(shorter) >= MIN_PREFIX:
                found |= self.names.get(shorter, set())
        return frozenset(found), False

    def _by_prefix(self, key: str) -> set[str]:
        """A name the bank cut off: the master name starts with what we received."""
        found: set[str] = set()
        for full in self.name_prefixes.get(key[:MIN_PREFIX], ()):
            if full.startswith(key) and len(full) > len(key):
                found |= self.names[full]
        return found

    def by_customer_number(self, written: str) -> str | None:
        key = compact_account(written)
        hit = self.numbers.get(key)
        if hit is None:
            digits = "".join(ch for ch in key if ch.isdigit()).lstrip("0")
            hit = self.numbers.get(digits) if digits else None
        return hit

    # ------------------------------------------------------------------ learning
    def learn(self, customer_id: str, debtor: Party, *, name: bool = False) -> None:
        """Remember the debtor's account (and, when a person confirmed it, the name as an alias).

        Automatic matches teach accounts only: a factor's or a group treasury's name would
        otherwise become an alias of the first customer it paid for.
        """
        group = self.ledger.group(customer_id)
        for account in (debtor.iban, debtor.account):
            if not account:
                continue
            key = compact_account(account)
            if key in self.accounts or key in self.shared_accounts:
                continue
            owner = self.learned_accounts.setdefault(key, customer_id)
            if owner not in group and customer_id not in self.ledger.group(owner):
                del self.learned_accounts[key]
                self.shared_accounts.add(key)
        if name and debtor.name and not self.by_name(debtor.name)[0]:
            self._index_name(debtor.name, customer_id)
