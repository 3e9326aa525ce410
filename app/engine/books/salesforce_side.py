"""Salesforce's side of the books: aggregate SOQL (COUNT, SUM, GROUP BY the customer's QuickBooks
id) for the figures, and the mirror records themselves only where the figures disagree.

Object and field names are the workflow definitions' (`app.domain.workflows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from app.domain.workflows import (
    ACCOUNT,
    INVOICE,
    PAYMENT,
    STATUS_DELETED,
    STATUS_VOIDED,
    WorkflowId,
)
from app.engine.books.amounts import to_cents
from app.engine.books.model import Totals
from app.salesforce.client import SalesforceClient

NOT_OPEN = (STATUS_VOIDED, STATUS_DELETED)
_STATUSES = ", ".join(f"'{s}'" for s in NOT_OPEN)
OPEN_INVOICE = f"{INVOICE.is_paid} = false AND {INVOICE.status} NOT IN ({_STATUSES})"
LIVE_PAYMENT = f"({PAYMENT.status} = null OR {PAYMENT.status} NOT IN ({_STATUSES}))"
#: The SOQL path to a mirror's account's QuickBooks customer id (the same on both objects).
CUSTOMER_KEY = INVOICE.account_customer_id
#: The Salesforce field a repair's "before" amount is recorded under, by workflow.
AMOUNT_FIELDS: dict[str, str] = {
    WorkflowId.INVOICES: INVOICE.balance_remaining,
    WorkflowId.PAYMENTS: PAYMENT.amount,
}
#: Salesforce answers an aggregate query in one batch of at most 2,000 rows.
AGGREGATE_ROWS = 2000
_CHUNK = 200


def open_by_customer(salesforce: SalesforceClient) -> dict[str | None, Totals]:
    """COUNT and SUM of open invoice mirrors, GROUP BY the account's QuickBooks id."""
    found: dict[str | None, Totals] = {}
    after: str | None = None
    while True:
        where = OPEN_INVOICE + (f" AND {CUSTOMER_KEY} > '{_soql(after)}'" if after else "")
        rows = salesforce.query_all(
            f"SELECT {CUSTOMER_KEY}, COUNT(Id) n, "  # noqa: S608
            f"SUM({INVOICE.balance_remaining}) total "
            f"FROM {INVOICE.name} WHERE {where} GROUP BY {CUSTOMER_KEY} "
            f"ORDER BY {CUSTOMER_KEY} NULLS FIRST LIMIT {AGGREGATE_ROWS}"
        )
        for row in rows:
            key = row.get(ACCOUNT.quickbooks_id)
            found[key] = _totals(row)
        keys = [r.get(ACCOUNT.quickbooks_id) for r in rows if r.get(ACCOUNT.quickbooks_id)]
        if len(rows) < AGGREGATE_ROWS or not keys:
            return found
        after = str(keys[-1])


def open_total(salesforce: SalesforceClient) -> Totals:
    rows = salesforce.query_all(
        f"SELECT COUNT(Id) n, SUM({INVOICE.balance_remaining}) total "  # noqa: S608
        f"FROM {INVOICE.name} WHERE {OPEN_INVOICE}"
    )
    return _totals(rows[0] if rows else {})


def payment_totals(salesforce: SalesforceClient, start: date, end: date) -> Totals:
    rows = salesforce.query_all(
        f"SELECT COUNT(Id) n, SUM({PAYMENT.amount}) total FROM {PAYMENT.name} "  # noqa: S608
        f"WHERE {_in_period(start, end)} AND {LIVE_PAYMENT}"
    )
    return _totals(rows[0] if rows else {})


def open_invoice_mirrors(
    salesforce: SalesforceClient, keys: set[str | None]
) -> dict[str, dict[str, Any]]:
    """The open invoice mirrors of these customers (None: of no account), by QuickBooks id."""
    fields = (
        f"Id, Name, {INVOICE.quickbooks_id}, {INVOICE.balance_remaining}, {INVOICE.is_paid}, "
        f"{INVOICE.status}, {INVOICE.account_name}, {CUSTOMER_KEY}"
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
    amount = f"{INVOICE.balance_remaining}, {INVOICE.is_paid}"
    return _by_qb_id(salesforce, INVOICE.name, INVOICE.quickbooks_id, amount, qb_ids)


def payment_mirrors(
    salesforce: SalesforceClient, qb_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Payment mirrors of these QuickBooks ids, of any date or status."""
    return _by_qb_id(salesforce, PAYMENT.name, PAYMENT.quickbooks_id, PAYMENT.amount, qb_ids)


def payment_mirrors_in_period(
    salesforce: SalesforceClient, start: date, end: date
) -> dict[str, dict[str, Any]]:
    """The live payment mirrors dated in the period, by QuickBooks id."""
    fields = (
        f"Id, Name, {PAYMENT.quickbooks_id}, {PAYMENT.amount}, {PAYMENT.transaction_date}, "
        f"{PAYMENT.ref_number}, {PAYMENT.status}, {PAYMENT.account_name}, {CUSTOMER_KEY}"
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
    return not mirror.get(INVOICE.is_paid) and mirror.get(INVOICE.status) not in NOT_OPEN


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


def _totals(row: Mapping[str, Any]) -> Totals:
    return Totals(count=int(row.get("n") or 0), total=to_cents(row.get("total")))


def _in_period(start: date, end: date) -> str:
    field = PAYMENT.transaction_date
    return f"{field} >= {start.isoformat()} AND {field} <= {end.isoformat()}"


def _soql(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _quoted(values: Iterable[str]) -> str:
    return ",".join(f"'{_soql(v)}'" for v in values)
