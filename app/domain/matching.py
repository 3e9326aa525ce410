"""Proposing links between existing Salesforce accounts and QuickBooks customers.

Four passes, each over what the earlier passes left unlinked: the same normalised name, then
the same email, then the same phone number, then a similar name. A pair is proposed only when its
key is unique on both sides; keys shared by several records are listed as ambiguous for the
bookkeeper to settle. Accounts already holding a QuickBooks id, the customers they point to, and
QuickBooks jobs (sub-customers) are left out.

Only a pair of the first pass whose emails do not differ is `sure`, and may be linked without
asking; every other pair waits for the bookkeeper to confirm it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum
from typing import Any

from app.domain.workflows import ACCOUNT

ACCOUNT_LINK_FIELD = ACCOUNT.quickbooks_id
ACCOUNT_EMAIL_FIELD = ACCOUNT.email
MIN_PHONE_DIGITS = 7
#: How alike two normalised names must be (difflib ratio) to be proposed as the same company.
SIMILAR_NAME_RATIO = 0.85

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
    SIMILAR_NAME = "similar name"


#: The bases matched on a key shared exactly (the similar-name pass compares names instead).
_KEYED = (MatchBasis.NAME, MatchBasis.EMAIL, MatchBasis.PHONE)


@dataclass(frozen=True)
class ProposedLink:
    account_id: str
    customer_id: str
    basis: MatchBasis
    account_name: str
    customer_name: str
    #: The same normalised name, unique on both sides, and no differing email: linked unasked.
    sure: bool = False
    #: One of several pairs sharing the key (an ambiguous match).
    shared: bool = False

    @property
    def reason(self) -> str:
        """Why the pair looks like one company, and (unless sure) why it was not linked."""
        if self.sure:
            return "the same name"
        if self.shared:
            return f"the same {self.basis.value}, which several records share"
        if self.basis is MatchBasis.NAME:
            return "the same name, but their emails differ"
        return f"the same {self.basis.value} only" if self.basis in _KEYED else "a similar name"


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

    @property
    def sure(self) -> tuple[ProposedLink, ...]:
        return tuple(link for link in self.links if link.sure)

    @property
    def to_confirm(self) -> tuple[ProposedLink, ...]:
        return tuple(link for link in self.links if not link.sure)


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
    for basis in _KEYED:
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
                sure = basis is MatchBasis.NAME and not _emails_differ(account, customer)
                links.append(
                    ProposedLink(account.id, customer.id, basis, account.name, customer.name, sure)
                )
            else:
                ambiguous.append(
                    AmbiguousMatch(basis, key, tuple(account_ids), tuple(customer_ids))
                )
    links.extend(_similar_names(open_accounts, open_customers))
    still_open = _still_open(ambiguous, open_accounts.keys(), open_customers.keys())
    return MatchProposal(
        links=tuple(links),
        ambiguous=still_open,
        unmatched_account_ids=tuple(sorted(open_accounts)),
        unmatched_customer_ids=tuple(sorted(open_customers)),
    )


def _emails_differ(account: _Party, customer: _Party) -> bool:
    one, two = account.keys.get(MatchBasis.EMAIL), customer.keys.get(MatchBasis.EMAIL)
    return bool(one and two and one != two)


def _similar_names(accounts: dict[str, _Party], customers: dict[str, _Party]) -> list[ProposedLink]:
    """Pairs whose names are alike (and start with the same word), each the other's only such
    match; the pairs found leave `accounts` and `customers`."""
    by_first: dict[str, list[_Party]] = defaultdict(list)
    for customer in customers.values():
        name = customer.keys.get(MatchBasis.NAME, "")
        if name:
            by_first[name.split()[0]].append(customer)
    alike: dict[str, list[str]] = defaultdict(list)
    chosen: dict[str, str] = {}
    for account in accounts.values():
        name = account.keys.get(MatchBasis.NAME, "")
        if not name:
            continue
        found = [
            c.id
            for c in by_first.get(name.split()[0], [])
            if SequenceMatcher(None, name, c.keys[MatchBasis.NAME]).ratio() >= SIMILAR_NAME_RATIO
        ]
        for customer_id in found:
            alike[customer_id].append(account.id)
        if len(found) == 1:
            chosen[account.id] = found[0]
    links = []
    for account_id, customer_id in sorted(chosen.items()):
        if alike[customer_id] != [account_id]:
            continue
        account, customer = accounts.pop(account_id), customers.pop(customer_id)
        links.append(
            ProposedLink(
                account.id, customer.id, MatchBasis.SIMILAR_NAME, account.name, customer.name
            )
        )
    return links


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
