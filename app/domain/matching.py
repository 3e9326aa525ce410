"""Proposing links between existing Salesforce accounts and QuickBooks customers at setup.

Three passes, each over what the earlier passes left unlinked: the same normalised name, then
the same email, then the same phone number. A pair is proposed only when its key is unique on
both sides; keys shared by several records are listed as ambiguous for the bookkeeper to settle.
Accounts already holding a QuickBooks id, the customers they point to, and QuickBooks jobs
(sub-customers) are left out.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.domain.workflows import ACCOUNT

ACCOUNT_LINK_FIELD = ACCOUNT.quickbooks_id
ACCOUNT_EMAIL_FIELD = ACCOUNT.email
MIN_PHONE_DIGITS = 7

# Legal-form words dropped from the end of a company name, after punctuation is removed.
_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "co", "company", "corp",
        "corporation", "plc", "gmbh", "ag", "sa", "sarl", "bv", "nv", "pty", "pte", "pc", "pllc",
    }
)  # fmt: skip
_DOTTED_SUFFIXES = {"l.l.c.": "llc", "l.l.p.": "llp", "l.p.": "lp", "p.c.": "pc", "s.a.": "sa"}


class MatchBasis(StrEnum):
    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"


@dataclass(frozen=True)
class ProposedLink:
    account_id: str
    customer_id: str
    basis: MatchBasis
    account_name: str
    customer_name: str


@dataclass(frozen=True)
class AmbiguousMatch:
    """Several records share one key: nothing among them is linked automatically."""

    basis: MatchBasis
    key: str
    account_ids: tuple[str, ...]
    customer_ids: tuple[str, ...]


@dataclass(frozen=True)
class MatchProposal:
    links: tuple[ProposedLink, ...]
    ambiguous: tuple[AmbiguousMatch, ...]
    unmatched_account_ids: tuple[str, ...]
    unmatched_customer_ids: tuple[str, ...]


def normalise_name(name: str) -> str:
    """Case, accents, punctuation, spacing, '&'/'and', 'The' and legal forms set aside."""
    text = unicodedata.normalize("NFKD", name).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    for dotted, plain in _DOTTED_SUFFIXES.items():
        text = text.replace(dotted, f" {plain} ")
    text = text.replace("&", " and ")
    words = re.sub(r"[^\w\s]|_", " ", text).split()
    if words[:1] == ["the"] and len(words) > 1:
        words = words[1:]
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    return " ".join(words)


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def normalise_phone(phone: str) -> str:
    """Digits only; a leading 1 of an 11-digit North American number dropped."""
    digits = "".join(ch for ch in phone if ch.isdigit() and ch.isascii())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits if len(digits) >= MIN_PHONE_DIGITS else ""


@dataclass(frozen=True)
class _Party:
    id: str
    name: str
    keys: dict[MatchBasis, str]


def propose_links(
    accounts: Iterable[Mapping[str, Any]], customers: Iterable[Mapping[str, Any]]
) -> MatchProposal:
    """Links to propose between Salesforce accounts and top-level QuickBooks customers."""
    account_list = [a for a in accounts if isinstance(a, Mapping)]
    taken = {_text(a.get(ACCOUNT_LINK_FIELD)) for a in account_list} - {""}
    sides = (
        [
            _party(a, "Id", "Name", ACCOUNT_EMAIL_FIELD, "Phone")
            for a in account_list
            if not _text(a.get(ACCOUNT_LINK_FIELD))
        ],
        [
            _party(c, "id", "name", "email", "phone")
            for c in customers
            if isinstance(c, Mapping) and not _is_job(c) and _text(c.get("id")) not in taken
        ],
    )
    open_accounts = {p.id: p for p in sides[0] if p.id}
    open_customers = {p.id: p for p in sides[1] if p.id}
    links: list[ProposedLink] = []
    ambiguous: list[AmbiguousMatch] = []
    for basis in MatchBasis:
        by_key: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
        for party in open_accounts.values():
            if party.keys.get(basis):
                by_key[party.keys[basis]][0].append(party.id)
        for party in open_customers.values():
            if party.keys.get(basis):
                by_key[party.keys[basis]][1].append(party.id)
        for key, (account_ids, customer_ids) in sorted(by_key.items()):
            if not account_ids or not customer_ids:
                continue
            if len(account_ids) == 1 and len(customer_ids) == 1:
                account = open_accounts.pop(account_ids[0])
                customer = open_customers.pop(customer_ids[0])
                links.append(
                    ProposedLink(account.id, customer.id, basis, account.name, customer.name)
                )
            else:
                ambiguous.append(
                    AmbiguousMatch(basis, key, tuple(account_ids), tuple(customer_ids))
                )
    still_open = _still_open(ambiguous, open_accounts.keys(), open_customers.keys())
    return MatchProposal(
        links=tuple(links),
        ambiguous=still_open,
        unmatched_account_ids=tuple(sorted(open_accounts)),
        unmatched_customer_ids=tuple(sorted(open_customers)),
    )


def _still_open(
    ambiguous: list[AmbiguousMatch], accounts: Iterable[str], customers: Iterable[str]
) -> tuple[AmbiguousMatch, ...]:
    """Ambiguities a later pass did not settle, narrowed to records still unlinked."""
    open_accounts, open_customers = set(accounts), set(customers)
    result = []
    for match in ambiguous:
        account_ids = tuple(a for a in match.account_ids if a in open_accounts)
        customer_ids = tuple(c for c in match.customer_ids if c in open_customers)
        if account_ids and customer_ids:
            result.append(AmbiguousMatch(match.basis, match.key, account_ids, customer_ids))
    return tuple(result)


def _party(
    record: Mapping[str, Any], id_key: str, name_key: str, email_key: str, phone_key: str
) -> _Party:
    name = _text(record.get(name_key))
    normalisers: dict[MatchBasis, tuple[str, Callable[[str], str]]] = {
        MatchBasis.NAME: (name, normalise_name),
        MatchBasis.EMAIL: (_text(record.get(email_key)), normalise_email),
        MatchBasis.PHONE: (_text(record.get(phone_key)), normalise_phone),
    }
    keys = {basis: normalise(value) for basis, (value, normalise) in normalisers.items() if value}
    return _Party(id=_text(record.get(id_key)), name=name, keys=keys)


def _is_job(customer: Mapping[str, Any]) -> bool:
    return bool(customer.get("parent")) or bool(customer.get("sublevel"))


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
