"""QuickBooks' side of the books: open invoices (pending ones left out), open credits, unapplied
payments, the payments of a period and the customers' balances, each record kept slim with its
amount in the home currency.

A full read asks QuickBooks with its own filters; after a sync, the side kept from the last check
is brought up to date with what the sync read (`apply`), so QuickBooks is not read again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from app.engine.books.amounts import ZERO
from app.engine.books.model import Totals
from app.quickbooks import QuickBooks

_CENT = Decimal("0.01")
#: The lists the check reads, and the ones a sync's reads keep it up to date from.
INVOICE, CREDIT_MEMO, PAYMENT, CUSTOMER = "invoice", "credit_memo", "receive_payment", "customer"
KINDS = (INVOICE, CREDIT_MEMO, PAYMENT, CUSTOMER)


@dataclass
class QuickBooksSide:
    """Slim records by id: `invoices` open, `credits` with credit left, `payments` dated on or
    after `since` or not all applied, `balances` customers whose total balance is not zero."""

    since: str
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    credits: dict[str, dict[str, Any]] = field(default_factory=dict)
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    balances: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Open invoices' count and total by customer id, kept up to date once summed (100,000
    #: invoices take half a second to sum, a sync changes a few).
    _by_customer: dict[str, tuple[int, Decimal]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    # -- keeping it up to date ------------------------------------------------------------
    def apply(self, kind: str, records: Iterable[Mapping[str, Any]]) -> None:
        """Records as QuickBooks sent them now: each replaces what was kept of it."""
        for record in records:
            qb_id = str(record.get("id"))
            kept, slim = self._slim(kind, record)
            self._replace(kept, qb_id, slim)

    def merge(self, kind: str, later: Mapping[str, dict[str, Any]], closed: Iterable[str]) -> None:
        """What a later read kept of one list (`later`) replaces what this kept; the `closed`
        ids leave it."""
        kept = self._kept(kind)
        for qb_id in closed:
            self._replace(kept, qb_id, None)
        for qb_id, slim in later.items():
            self._replace(kept, qb_id, slim)

    def forget(self, kind: str) -> None:
        """Nothing kept of one list (it is about to be read whole)."""
        self._kept(kind).clear()
        if kind == INVOICE:
            self._by_customer = None

    def kept(self, kind: str) -> Mapping[str, dict[str, Any]]:
        """What is kept of one list, by id (changed only through this side)."""
        return MappingProxyType(self._kept(kind))

    def _kept(self, kind: str) -> dict[str, dict[str, Any]]:
        return {
            INVOICE: self.invoices,
            CREDIT_MEMO: self.credits,
            PAYMENT: self.payments,
            CUSTOMER: self.balances,
        }[kind]

    def _replace(
        self, kept: dict[str, dict[str, Any]], qb_id: str, slim: dict[str, Any] | None
    ) -> None:
        if kept is self.invoices:
            self._count(kept.get(qb_id), -1)
            self._count(slim, 1)
        if slim is None:
            kept.pop(qb_id, None)
        else:
            kept[qb_id] = slim

    def copy(self) -> QuickBooksSide:
        """A side that can be changed without changing this one (records are replaced, never
        changed in place)."""
        copied = QuickBooksSide(
            self.since,
            dict(self.invoices),
            dict(self.credits),
            dict(self.payments),
            dict(self.balances),
        )
        copied._by_customer = None if self._by_customer is None else dict(self._by_customer)
        return copied

    def drop(self, qb_ids: Iterable[str]) -> None:
        """Records QuickBooks deleted."""
        for qb_id in qb_ids:
            for kept in (self.invoices, self.credits, self.payments):
                self._replace(kept, qb_id, None)

    def _count(self, invoice: Mapping[str, Any] | None, sign: int) -> None:
        """An open invoice in (`sign` 1) or out (-1) of the running totals, once summed."""
        if invoice is None or self._by_customer is None:
            return
        key = str(customer_of(invoice).get("id"))
        count, total = self._by_customer.get(key, (0, ZERO))
        count, total = count + sign, total + sign * amount_of(invoice)
        if count:
            self._by_customer[key] = (count, total)
        else:
            self._by_customer.pop(key, None)

    def _slim(
        self, kind: str, record: Mapping[str, Any]
    ) -> tuple[dict[str, dict[str, Any]], dict[str, Any] | None]:
        if kind == INVOICE:
            amount = home(record, "balanceRemaining", "balanceRemainingInHomeCurrency")
            is_open = not record.get("isPaid") and not record.get("isPending") and amount != 0
            return self.invoices, _slim(record, amount) if is_open else None
        if kind == CREDIT_MEMO:
            amount = home(record, "creditRemaining", "creditRemainingInHomeCurrency")
            is_open = not record.get("isPending") and amount != 0
            return self.credits, _slim(record, amount) if is_open else None
        if kind == PAYMENT:
            slim = _slim(record, home(record, "totalAmount", "totalAmountInHomeCurrency"))
            slim["unapplied"] = str(unapplied_home(record))
            slim["date"] = str(record.get("transactionDate") or "")
            wanted = slim["date"] >= self.since or slim["unapplied"] != str(ZERO)
            return self.payments, slim if wanted else None
        balance = cents(record.get("totalBalance"))
        slim = {"id": record.get("id"), "fullName": record.get("fullName"), "amount": str(balance)}
        return self.balances, slim if balance != 0 else None

    # -- figures ----------------------------------------------------------------------------
    @property
    def open_by_customer(self) -> dict[str, Totals]:
        if self._by_customer is None:
            self._by_customer = summed_by_customer(self.invoices.values())
        return {
            key: Totals(count=count, total=total)
            for key, (count, total) in self._by_customer.items()
        }

    @property
    def names(self) -> dict[str, str]:
        found = {
            str(c.get("id")): str(c.get("fullName") or c.get("id")) for c in self.balances.values()
        }
        for record in (*self.invoices.values(), *self.credits.values(), *self.payments.values()):
            customer = customer_of(record)
            found[str(customer.get("id"))] = str(customer.get("fullName") or customer.get("id"))
        return found

    @property
    def credit_totals(self) -> Totals:
        return _totals(amount_of(c) for c in self.credits.values())

    @property
    def unapplied(self) -> dict[str, dict[str, Any]]:
        return {i: p for i, p in self.payments.items() if Decimal(p["unapplied"]) != 0}

    @property
    def unapplied_totals(self) -> Totals:
        return _totals(Decimal(p["unapplied"]) for p in self.unapplied.values())

    @property
    def balance_totals(self) -> Totals:
        return _totals(Decimal(c["amount"]) for c in self.balances.values())

    def payments_in(self, start: date, end: date) -> dict[str, dict[str, Any]]:
        first, last = start.isoformat(), end.isoformat()
        return {i: p for i, p in self.payments.items() if first <= p["date"] <= last}

    def payment_totals(self, start: date, end: date) -> Totals:
        return _totals(amount_of(p) for p in self.payments_in(start, end).values())

    # -- kept between checks ----------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "invoices": self.invoices,
            "credits": self.credits,
            "payments": self.payments,
            "balances": self.balances,
        }

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> QuickBooksSide:
        return cls(
            since=str(body["since"]),
            invoices=dict(body["invoices"]),
            credits=dict(body["credits"]),
            payments=dict(body["payments"]),
            balances=dict(body["balances"]),
        )


def read_quickbooks(quickbooks: QuickBooks, start: date, end: date) -> QuickBooksSide:
    """Everything the check compares, read from QuickBooks now (no line items)."""
    side = QuickBooksSide(since=start.isoformat())
    read_kinds(quickbooks, side, KINDS)
    return side


#: How each list is read for the check: the fewest records QuickBooks must send.
_READS: dict[str, tuple[dict[str, Any], ...]] = {
    INVOICE: ({"payment_status": "not_paid", "include_line_items": False},),
    CREDIT_MEMO: ({"include_line_items": False},),
    PAYMENT: ({"include_line_items": False},),
    # One total-balance filter at a time (Conductor): owing, then in credit.
    CUSTOMER: (
        {"status": "all", "total_balance_greater_than": "0"},
        {"status": "all", "total_balance_less_than": "0"},
    ),
}


def read_kinds(
    quickbooks: QuickBooks,
    side: QuickBooksSide,
    kinds: Iterable[str],
    whole: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Each of `kinds` read whole into `side`, replacing what it kept of them (and each record
    read put in `whole` as it came, by id, where given)."""
    for kind in kinds:
        side.forget(kind)
        for filters in _READS[kind]:
            for page in quickbooks.pages(kind, **filters):
                side.apply(kind, page.records)
                if whole is not None:
                    whole.update((str(r.get("id")), r) for r in page.records)


def ref_of(record: Mapping[str, Any]) -> str:
    """How the bookkeeper names a QuickBooks transaction: its ref number, else its id."""
    return str(record.get("refNumber") or record.get("id"))


def summed_by_customer(invoices: Iterable[Mapping[str, Any]]) -> dict[str, tuple[int, Decimal]]:
    """Count and total of invoices by customer id."""
    counts: dict[str, int] = {}
    sums: dict[str, Decimal] = {}
    for invoice in invoices:  # 100,000 of them: no object made per invoice
        key = str(customer_of(invoice).get("id"))
        counts[key] = counts.get(key, 0) + 1
        sums[key] = sums.get(key, ZERO) + amount_of(invoice)
    return {key: (count, sums[key]) for key, count in counts.items()}


def customer_of(record: Mapping[str, Any]) -> dict[str, Any]:
    return record.get("customer") or {}


def amount_of(slim: Mapping[str, Any]) -> Decimal:
    return Decimal(slim["amount"])


def cents(value: object) -> Decimal:
    """A QuickBooks amount to the cent; one that is not a number counts as nothing (the sync
    reports it on its record)."""
    try:
        return Decimal(str(value if value is not None else "0")).quantize(_CENT)
    except (InvalidOperation, ValueError):
        return ZERO


def home(record: Mapping[str, Any], amount: str, home_amount: str) -> Decimal:
    """The amount in the home currency: QuickBooks' own conversion where it gives one."""
    converted = record.get(home_amount)
    return cents(converted if converted is not None else record.get(amount))


def unapplied_home(record: Mapping[str, Any]) -> Decimal:
    """A payment's unapplied amount in the home currency, at the payment's exchange rate."""
    return converted(cents(record.get("unusedPayment")), record.get("exchangeRate"))


def converted(amount: Decimal, exchange_rate: object) -> Decimal:
    """`amount` at `exchange_rate` (home units per unit), to the cent; none given: as it is."""
    if exchange_rate is None:
        return amount
    try:
        return (amount * Decimal(str(exchange_rate))).quantize(_CENT)
    except (InvalidOperation, ValueError):
        return amount


def _slim(record: Mapping[str, Any], amount: Decimal) -> dict[str, Any]:
    """What the comparison reads of a record: 100,000 open invoices must not mean 100,000 full
    invoices in memory."""
    customer = customer_of(record)
    return {
        "id": record.get("id"),
        "refNumber": record.get("refNumber"),
        "customer": {"id": customer.get("id"), "fullName": customer.get("fullName")},
        "amount": str(amount),
    }


def _totals(amounts: Iterable[Decimal]) -> Totals:
    found = list(amounts)
    return Totals(count=len(found), total=sum(found, ZERO))
