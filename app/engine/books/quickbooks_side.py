"""QuickBooks' side of the books: open invoices (without their lines) and the payments of a
period, read with QuickBooks' own filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.engine.books.amounts import ZERO, quickbooks_amount
from app.engine.books.model import Totals
from app.quickbooks import QuickBooks


@dataclass
class QuickBooksSide:
    open_by_customer: dict[str, Totals]
    names: dict[str, str]
    payments: Totals
    invoices: dict[str, dict[str, Any]]  # open invoices by id
    payment_records: dict[str, dict[str, Any]]


def read_quickbooks(quickbooks: QuickBooks, start: date, end: date) -> QuickBooksSide:
    customers: dict[str, dict[str, Any]] = {}
    invoices = {
        str(i["id"]): _slim(i, "balanceRemaining", customers)
        for page in quickbooks.pages("invoice", payment_status="not_paid", include_line_items=False)
        for i in page.records
    }
    by_customer: dict[str, Totals] = {}
    names: dict[str, str] = {}
    for invoice in invoices.values():
        customer = invoice.get("customer") or {}
        key = str(customer.get("id"))
        names[key] = str(customer.get("fullName") or key)
        by_customer[key] = by_customer.get(key, Totals()) + Totals(
            count=1, total=quickbooks_amount(invoice, True)
        )
    payments = {
        str(p["id"]): _slim(p, "totalAmount", customers)
        for page in quickbooks.pages(
            "receive_payment",
            transaction_date_from=start.isoformat(),
            transaction_date_to=end.isoformat(),
            include_line_items=False,
        )
        for p in page.records
    }
    paid = Totals(
        count=len(payments),
        total=sum((quickbooks_amount(p, False) for p in payments.values()), ZERO),
    )
    return QuickBooksSide(by_customer, names, paid, invoices, payments)


def ref_of(record: Mapping[str, Any]) -> str:
    """How the bookkeeper names a QuickBooks transaction: its ref number, else its id."""
    return str(record.get("refNumber") or record.get("id"))


def _slim(
    record: Mapping[str, Any], amount: str, customers: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """What the comparison reads of a record, the customer shared between its records: 100,000
    open invoices must not mean 100,000 full invoices in memory."""
    customer = record.get("customer") or {}
    key = str(customer.get("id"))
    shared = customers.setdefault(
        key, {"id": customer.get("id"), "fullName": customer.get("fullName")}
    )
    return {
        "id": record.get("id"),
        "refNumber": record.get("refNumber"),
        "customer": shared,
        amount: record.get(amount),
    }
