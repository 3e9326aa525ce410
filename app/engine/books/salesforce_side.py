"""Salesforce's side of the books: aggregate SOQL (COUNT, SUM, GROUP BY the customer's QuickBooks
id) for the figures, and the mirror records themselves only where the figures disagree.

Object and field names are the workflow definitions' (`app.domain.workflows`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.workflows import (
    ACCOUNT,
    CREDIT_MEMO,
    INVOICE,
    PAYMENT,
    STATUS_DELETED,
    STATUS_PENDING,
    STATUS_VOIDED,
    WorkflowId,
)
from app.engine.books.amounts import ZERO, to_cents
from app.engine.books.model import Totals
from app.engine.books.quickbooks_side import converted
from app.salesforce.client import SalesforceClient
from app.salesforce.soql import IN_VALUES

NOT_OPEN = (STATUS_VOIDED, STATUS_DELETED)
_STATUSES = ", ".join(f"'{s}'" for s in NOT_OPEN)
#: Pending (non-posting) invoices and credit memos are not receivables.
_NOT_RECEIVABLE = ", ".join(f"'{s}'" for s in (*NOT_OPEN, STATUS_PENDING))
OPEN_INVOICE = f"{INVOICE.is_paid} = false AND {INVOICE.status} NOT IN ({_NOT_RECEIVABLE})"
OPEN_CREDIT = (
    f"{CREDIT_MEMO.credit_remaining} != 0 AND ({CREDIT_MEMO.status} = null OR "
    f"{CREDIT_MEMO.status} NOT IN ({_NOT_RECEIVABLE}))"
)
LIVE_PAYMENT = f"({PAYMENT.status} = null OR {PAYMENT.status} NOT IN ({_STATUSES}))"
UNAPPLIED = f"{PAYMENT.unapplied_amount} != 0 AND {LIVE_PAYMENT}"
#: A payment in the home currency: no exchange rate (no multicurrency), or 1.
_AT_HOME = f"({PAYMENT.exchange_rate} = null OR {PAYMENT.exchange_rate} = 1)"
WITH_BALANCE = (
    f"{ACCOUNT.quickbooks_id} != null AND {ACCOUNT.balance} != null AND {ACCOUNT.balance} != 0"
)
#: The SOQL path to a mirror's account's QuickBooks customer id (the same on both objects).
CUSTOMER_KEY = INVOICE.account_customer_id
#: The Salesforce field a repair's "before" amount is recorded under, by workflow.
AMOUNT_FIELDS: dict[str, str] = {
    WorkflowId.INVOICES: INVOICE.balance_remaining,
    WorkflowId.PAYMENTS: PAYMENT.amount,
    WorkflowId.CUSTOMERS: ACCOUNT.balance,
    WorkflowId.CREDIT_MEMOS: CREDIT_MEMO.credit_remaining,
}
#: Salesforce answers an aggregate query in one batch of at most 2,000 rows.
AGGREGATE_ROWS = 2000
_CHUNK = 200


@dataclass
class Figures:
    """Salesforce's figures for the books check, asked together; a figure whose workflow is
    switched off is not asked (Salesforce has no mirrors of it) and stays zero."""

    open_by_customer: dict[str | None, Totals] = field(default_factory=dict)
    payments: Totals = field(default_factory=Totals)
    credits: Totals = field(default_factory=Totals)
    unapplied: Totals = field(default_factory=Totals)
    balances: Totals = field(default_factory=Totals)


#: The objects each figure of `Figures` reads (open invoices are grouped under their account's
#: customer).
FIGURE_OBJECTS: dict[str, frozenset[str]] = {
    "open_by_customer": frozenset({INVOICE.name, ACCOUNT.name}),
    "payments": frozenset({PAYMENT.name}),
    "credits": frozenset({CREDIT_MEMO.name}),
    "unapplied": frozenset({PAYMENT.name}),
    "balances": frozenset({ACCOUNT.name}),
}


def read_figures(
    salesforce: SalesforceClient,
    start: date,
    end: date,
    enabled: Collection[str],
    parts: Collection[str] | None = None,
) -> Figures:
    """Every aggregate the check compares (or only the `Figures` fields `parts` names), in one
    `query_many` (two Composite calls sent at once): open invoices by customer, payments in the
    period, credit left, unapplied amounts, balances."""
    open_splits = _home_split(
        OPEN_INVOICE, INVOICE.balance_remaining, INVOICE.balance_remaining_home
    )
    paid_in_period = f"{_in_period(start, end)} AND {LIVE_PAYMENT}"
    asked: dict[str, list[str]] = {
        "open_by_customer": [_by_customer_soql(where, amount) for where, amount in open_splits],
        "payments": _home_soqls(PAYMENT.name, paid_in_period, PAYMENT.amount, PAYMENT.amount_home),
    }
    if WorkflowId.CREDIT_MEMOS in enabled:
        asked["credits"] = _home_soqls(
            CREDIT_MEMO.name,
            OPEN_CREDIT,
            CREDIT_MEMO.credit_remaining,
            CREDIT_MEMO.credit_remaining_home,
        )
    if WorkflowId.PAYMENTS in enabled:
        asked["unapplied"] = [_UNAPPLIED_AT_HOME, _UNAPPLIED_ABROAD]
    if WorkflowId.CUSTOMERS in enabled:
        asked["balances"] = [_WITH_BALANCE]
    if parts is not None:
        asked = {name: soqls for name, soqls in asked.items() if name in parts}
    answers = iter(salesforce.query_many([soql for soqls in asked.values() for soql in soqls]))
    got = {name: [next(answers) for _ in soqls] for name, soqls in asked.items()}
    figures = Figures()
    if "open_by_customer" in got:
        for (where, amount), rows in zip(open_splits, got["open_by_customer"], strict=True):
            for key, totals in _by_customer(salesforce, where, amount, rows).items():
                figures.open_by_customer[key] = figures.open_by_customer.get(key, Totals()) + totals
    if "payments" in got:
        figures.payments = _summed(got["payments"])
    if "credits" in got:
        figures.credits = _summed(got["credits"])
    if "unapplied" in got:
        at_home, abroad = got["unapplied"]
        # A foreign payment has no home-currency unapplied amount: converted at its own rate.
        foreign = [unapplied_of(row) for row in abroad]
        figures.unapplied = _summed([at_home]) + Totals(
            count=len(foreign), total=sum(foreign, ZERO)
        )
    if "balances" in got:
        figures.balances = _summed(got["balances"])
    return figures


def _by_customer_soql(where: str, amount: str, after: str | None = None) -> str:
    condition = where + (f" AND {CUSTOMER_KEY} > '{_soql(after)}'" if after else "")
    return (
        f"SELECT {CUSTOMER_KEY}, COUNT(Id) n, SUM({amount}) total "  # noqa: S608
        f"FROM {INVOICE.name} WHERE {condition} GROUP BY {CUSTOMER_KEY} "
        f"ORDER BY {CUSTOMER_KEY} NULLS FIRST LIMIT {AGGREGATE_ROWS}"
    )


def _by_customer(
    salesforce: SalesforceClient, where: str, amount: str, rows: list[dict[str, Any]]
) -> dict[str | None, Totals]:
    """The groups of a first answer, and of the next ones while an answer is full."""
    found: dict[str | None, Totals] = {}
    while True:
        for row in rows:
            found[row.get(ACCOUNT.quickbooks_id)] = _totals(row)
        keys = [r.get(ACCOUNT.quickbooks_id) for r in rows if r.get(ACCOUNT.quickbooks_id)]
        if len(rows) < AGGREGATE_ROWS or not keys:
            return found
        rows = salesforce.query_all(_by_customer_soql(where, amount, after=str(keys[-1])))


_UNAPPLIED_AT_HOME = (
    f"SELECT COUNT(Id) n, SUM({PAYMENT.unapplied_amount}) total "  # noqa: S608
    f"FROM {PAYMENT.name} WHERE {UNAPPLIED} AND {_AT_HOME}"
)
_UNAPPLIED_ABROAD = (
    f"SELECT Id, {PAYMENT.unapplied_amount}, {PAYMENT.exchange_rate} "  # noqa: S608
    f"FROM {PAYMENT.name} WHERE {UNAPPLIED} AND NOT {_AT_HOME}"
)
#: COUNT and SUM of the QuickBooks balances accounts show, where not zero.
_WITH_BALANCE = (
    f"SELECT COUNT(Id) n, SUM({ACCOUNT.balance}) total "  # noqa: S608
    f"FROM {ACCOUNT.name} WHERE {WITH_BALANCE}"
)


def _home_split(where: str, amount: str, home_amount: str) -> list[tuple[str, str]]:
    """(condition, field to sum): the home-currency amount where the mirror has one."""
    return [
        (f"{where} AND {home_amount} != null", home_amount),
        (f"{where} AND {home_amount} = null", amount),
    ]


def _home_soqls(sobject: str, where: str, amount: str, home_amount: str) -> list[str]:
    return [
        f"SELECT COUNT(Id) n, SUM({summed}) total FROM {sobject} WHERE {condition}"  # noqa: S608
        for condition, summed in _home_split(where, amount, home_amount)
    ]


def _summed(answers: Sequence[list[dict[str, Any]]]) -> Totals:
    return sum((_totals(rows[0] if rows else {}) for rows in answers), Totals())


def open_invoice_mirrors(
    salesforce: SalesforceClient, keys: set[str | None]
) -> dict[str, dict[str, Any]]:
    """The open invoice mirrors of these customers (None: of no account), by QuickBooks id."""
    fields = (
        f"Id, Name, {INVOICE.quickbooks_id}, {INVOICE.balance_remaining}, "
        f"{INVOICE.balance_remaining_home}, {INVOICE.is_paid}, {INVOICE.status}, "
        f"{INVOICE.account_name}, {CUSTOMER_KEY}"
    )
    found: dict[str, dict[str, Any]] = {}
    named = sorted(k for k in keys if k)
    conditions = [
        f"{CUSTOMER_KEY} IN ({_quoted(named[i : i + _CHUNK])})"
        for i in range(0, len(named), _CHUNK)
    ]
    if None in keys:
        conditions.append(f"{CUSTOMER_KEY} = null")
    for condition in conditions:
        for row in salesforce.query_all(
            f"SELECT {fields} FROM {INVOICE.name} "  # noqa: S608
            f"WHERE {OPEN_INVOICE} AND {condition}"
        ):
            found[str(row.get(INVOICE.quickbooks_id))] = row
    return found


def invoice_mirrors(
    salesforce: SalesforceClient, qb_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Invoice mirrors of these QuickBooks ids, open or not."""
    amount = f"{INVOICE.balance_remaining}, {INVOICE.balance_remaining_home}, {INVOICE.is_paid}"
    return _by_qb_id(salesforce, INVOICE.name, INVOICE.quickbooks_id, amount, qb_ids)


def payment_mirrors(
    salesforce: SalesforceClient, qb_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Payment mirrors of these QuickBooks ids, of any date or status."""
    return _by_qb_id(salesforce, PAYMENT.name, PAYMENT.quickbooks_id, _PAYMENT_AMOUNTS, qb_ids)


def credit_mirrors(
    salesforce: SalesforceClient, qb_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Credit memo mirrors of these QuickBooks ids, of any status."""
    return _by_qb_id(salesforce, CREDIT_MEMO.name, CREDIT_MEMO.quickbooks_id, _CREDITS, qb_ids)


def open_credit_mirrors(salesforce: SalesforceClient) -> dict[str, dict[str, Any]]:
    """The credit memo mirrors with credit left, by QuickBooks id."""
    return _where(salesforce, CREDIT_MEMO.name, CREDIT_MEMO.quickbooks_id, _CREDITS, OPEN_CREDIT)


def unapplied_mirrors(salesforce: SalesforceClient) -> dict[str, dict[str, Any]]:
    """The live payment mirrors with an unapplied amount, by QuickBooks id."""
    fields = f"{_PAYMENT_AMOUNTS}, {PAYMENT.ref_number}"
    return _where(salesforce, PAYMENT.name, PAYMENT.quickbooks_id, fields, UNAPPLIED)


def accounts_with_balance(salesforce: SalesforceClient) -> dict[str, dict[str, Any]]:
    """The accounts showing a QuickBooks balance other than zero, by QuickBooks customer id."""
    return {
        str(row.get(ACCOUNT.quickbooks_id)): row
        for row in salesforce.query_all(
            f"SELECT Id, Name, {ACCOUNT.quickbooks_id}, {ACCOUNT.balance} "  # noqa: S608
            f"FROM {ACCOUNT.name} WHERE {WITH_BALANCE}"
        )
    }


def accounts(salesforce: SalesforceClient, qb_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The accounts of these QuickBooks customer ids."""
    return {
        str(row.get(ACCOUNT.quickbooks_id)): row
        for row in salesforce.query_in(
            f"SELECT Id, Name, {ACCOUNT.quickbooks_id}, {ACCOUNT.balance} "  # noqa: S608
            f"FROM {ACCOUNT.name} WHERE {ACCOUNT.quickbooks_id} IN {IN_VALUES}",
            list(qb_ids),
        )
    }


def invoice_home(mirror: Mapping[str, Any]) -> Decimal:
    """An invoice mirror's balance remaining in the home currency."""
    return _home(mirror, INVOICE.balance_remaining, INVOICE.balance_remaining_home)


def payment_home(mirror: Mapping[str, Any]) -> Decimal:
    return _home(mirror, PAYMENT.amount, PAYMENT.amount_home)


def credit_home(mirror: Mapping[str, Any]) -> Decimal:
    return _home(mirror, CREDIT_MEMO.credit_remaining, CREDIT_MEMO.credit_remaining_home)


def unapplied_of(mirror: Mapping[str, Any]) -> Decimal:
    """A payment mirror's unapplied amount in the home currency, at its exchange rate."""
    return converted(
        to_cents(mirror.get(PAYMENT.unapplied_amount)), mirror.get(PAYMENT.exchange_rate)
    )


def balance_of(account: Mapping[str, Any] | None) -> Decimal:
    return to_cents((account or {}).get(ACCOUNT.balance))


def _home(mirror: Mapping[str, Any], amount: str, home_amount: str) -> Decimal:
    converted_amount = mirror.get(home_amount)
    return to_cents(converted_amount if converted_amount is not None else mirror.get(amount))


_PAYMENT_AMOUNTS = (
    f"{PAYMENT.amount}, {PAYMENT.amount_home}, {PAYMENT.unapplied_amount}, {PAYMENT.exchange_rate}"
)
_CREDITS = f"{CREDIT_MEMO.credit_remaining}, {CREDIT_MEMO.credit_remaining_home}"


def payment_mirrors_in_period(
    salesforce: SalesforceClient, start: date, end: date
) -> dict[str, dict[str, Any]]:
    """The live payment mirrors dated in the period, by QuickBooks id."""
    fields = (
        f"Id, Name, {PAYMENT.quickbooks_id}, {PAYMENT.amount}, {PAYMENT.amount_home}, "
        f"{PAYMENT.transaction_date}, {PAYMENT.ref_number}, {PAYMENT.status}, "
        f"{PAYMENT.account_name}, {CUSTOMER_KEY}"
    )
    return {
        str(row.get(PAYMENT.quickbooks_id)): row
        for row in salesforce.query_all(
            f"SELECT {fields} FROM {PAYMENT.name} "  # noqa: S608
            f"WHERE {_in_period(start, end)} AND {LIVE_PAYMENT}"
        )
    }


def customer_of(mirror: Mapping[str, Any]) -> str | None:
    """The QuickBooks customer id of the mirror's account."""
    return (mirror.get(INVOICE.account_relationship) or {}).get(ACCOUNT.quickbooks_id)


def account_name(mirror: Mapping[str, Any]) -> str | None:
    name = (mirror.get(INVOICE.account_relationship) or {}).get("Name")
    return None if name is None else str(name)


def is_open(mirror: Mapping[str, Any]) -> bool:
    status = mirror.get(INVOICE.status)
    return not mirror.get(INVOICE.is_paid) and status not in (*NOT_OPEN, STATUS_PENDING)


def _by_qb_id(
    salesforce: SalesforceClient, sobject: str, id_field: str, amount: str, qb_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(qb_ids), _CHUNK):
        chunk = _quoted(qb_ids[start : start + _CHUNK])
        for row in salesforce.query_all(
            f"SELECT Id, Name, {id_field}, {amount}, {INVOICE.status}, "  # noqa: S608
            f"{INVOICE.transaction_date}, {INVOICE.account_name}, {CUSTOMER_KEY} "
            f"FROM {sobject} WHERE {id_field} IN ({chunk})"
        ):
            found[str(row.get(id_field))] = row
    return found


def _where(
    salesforce: SalesforceClient, sobject: str, id_field: str, amount: str, where: str
) -> dict[str, dict[str, Any]]:
    return {
        str(row.get(id_field)): row
        for row in salesforce.query_all(
            f"SELECT Id, Name, {id_field}, {amount}, {INVOICE.status}, "  # noqa: S608
            f"{INVOICE.transaction_date}, {INVOICE.account_name}, {CUSTOMER_KEY} "
            f"FROM {sobject} WHERE {where}"
        )
    }


def _totals(row: Mapping[str, Any]) -> Totals:
    return Totals(count=int(row.get("n") or 0), total=to_cents(row.get("total")))


def _in_period(start: date, end: date) -> str:
    field = PAYMENT.transaction_date
    return f"{field} >= {start.isoformat()} AND {field} <= {end.isoformat()}"


def _soql(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _quoted(values: Iterable[str]) -> str:
    return ",".join(f"'{_soql(v)}'" for v in values)
