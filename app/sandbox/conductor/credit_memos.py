"""Credit memos: money the company owes a customer, used up by applying it to invoices.

A credit memo's `totalAmount` is the sum of its lines plus sales tax; `creditRemaining` is what
has not been applied yet, and it lowers the customer's balance until used. Applying credit to an
invoice links the two (`linkedTransactions` on both, the amount negative as payments show it),
lowers the invoice's `balanceRemaining` and the memo's `creditRemaining`, and changes both
records (Conductor's API reference, "The Credit Memo object": `creditRemaining`,
`linkedTransactions`; "Create an invoice": `applyCredits`). Credit memos dated on or before the
closing date cannot be added (3171). "Void a credit memo" sets its amount to zero and keeps it;
"Delete a credit memo" removes it, and it is then listed by the deleted-transactions endpoint
(`transactionTypes=credit_memo`); either way the invoices it was applied to owe that credit again.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from app.sandbox.conductor import errors
from app.sandbox.conductor.company import Company
from app.sandbox.conductor.fields import assign
from app.sandbox.conductor.invoices import (
    INVOICE_RULES,
    build_line,
    require_customer,
    settle,
    with_line_ids,
)
from app.sandbox.conductor.values import ZERO, money

_CREDIT_MEMO = "Credit Memo"


def create_credit_memo(company: Company, request: dict[str, Any]) -> dict[str, Any]:
    customer = require_customer(company, request["customerId"], _CREDIT_MEMO)
    body: dict[str, Any] = {
        "objectType": "qbd_credit_memo",
        "customer": company.reference(customer),
        "receivablesAccount": company.special_account("accounts_receivable"),
        "billingAddress": customer.get("billingAddress"),
        "shippingAddress": customer.get("shippingAddress"),
        "isPending": False,
        "isQueuedForPrint": False,
        "isQueuedForEmail": False,
        "salesTaxTotal": "0.00",
        "linkedTransactions": [],
        "lines": [],
    }
    assign(company, body, request, INVOICE_RULES, _CREDIT_MEMO, skip=("customerId", "lines"))
    company.transaction_currency(customer, body)
    company.check_open_period(_CREDIT_MEMO, body["transactionDate"])
    lines = [build_line(company, line, None) for line in request.get("lines", [])]
    for line in lines:
        line["objectType"] = "qbd_credit_memo_line"
    subtotal = sum((Decimal(line["amount"]) for line in lines if line.get("amount")), ZERO)
    total = subtotal + Decimal(body["salesTaxTotal"])
    body["subtotal"] = money(subtotal)
    body["totalAmount"] = money(total)
    body["creditRemaining"] = money(total)
    at = company.clock.tick()
    body["id"] = company.txn_id(at)
    body["lines"] = with_line_ids(company, lines, at)
    company.stamp(body, at, created=True)
    company.add("credit_memo", body)
    company.refresh_balance(body["customer"]["id"])
    return body


def apply_credit(
    company: Company, credit_memo_id: str, invoice_id: str, amount: Decimal
) -> dict[str, Any]:
    """Applies `amount` of the credit memo to an open invoice of the same customer."""
    memo = company.require(credit_memo_id, ("credit_memo",))
    invoice = company.find(invoice_id, ("invoice",))
    if invoice is None or invoice["isPaid"] or invoice["customer"]["id"] != memo["customer"]["id"]:
        raise errors.object_not_found(invoice_id)
    if amount <= 0 or amount > Decimal(memo["creditRemaining"]):
        raise errors.save_failed(
            _CREDIT_MEMO, f"The credit applied must be between 0 and {memo['creditRemaining']}."
        )
    if amount > Decimal(invoice["balanceRemaining"]):
        raise errors.save_failed(
            _CREDIT_MEMO,
            f'The credit applied to "{invoice_id}" exceeds its balance remaining '
            f"({invoice['balanceRemaining']}).",
        )
    at = company.clock.tick()
    invoice["linkedTransactions"].append(_link(memo, "credit_memo", amount))
    settle(invoice)
    company.stamp(invoice, at)
    company.save("invoice", invoice)
    memo["linkedTransactions"].append(_link(invoice, "invoice", amount))
    memo["creditRemaining"] = money(Decimal(memo["creditRemaining"]) - amount)
    company.stamp(memo, at)
    company.save("credit_memo", memo)
    company.refresh_balance(memo["customer"]["id"])
    return memo


def void_credit_memo(company: Company, credit_memo_id: str) -> dict[str, Any]:
    memo = company.require(credit_memo_id, ("credit_memo",))
    company.check_open_period(_CREDIT_MEMO, memo["transactionDate"])
    at = company.clock.tick()
    _free_invoices(company, memo, at)
    for line in memo["lines"]:
        if line.get("amount") is not None:
            line["amount"] = "0.00"
        if line.get("quantity") is not None:
            line["quantity"] = 0
    text = memo.get("memo")
    if not (text or "").startswith("VOID:"):
        memo["memo"] = f"VOID: {text}" if text else "VOID:"
    for field in ("subtotal", "salesTaxTotal", "totalAmount", "creditRemaining"):
        memo[field] = "0.00"
    company.stamp(memo, at)
    company.save("credit_memo", memo)
    company.refresh_balance(memo["customer"]["id"])
    return memo


def delete_credit_memo(company: Company, credit_memo_id: str) -> dict[str, Any]:
    memo = company.require(credit_memo_id, ("credit_memo",))
    company.check_open_period(_CREDIT_MEMO, memo["transactionDate"])
    at = company.clock.tick()
    _free_invoices(company, memo, at)
    company.remove("credit_memo", memo, at)
    company.refresh_balance(memo["customer"]["id"])
    return memo


def _free_invoices(company: Company, memo: dict[str, Any], at: datetime) -> None:
    """The invoices the credit was applied to owe it again."""
    for link in memo["linkedTransactions"]:
        invoice = company.find(link["id"], ("invoice",))
        if invoice is None:
            continue
        invoice["linkedTransactions"] = [
            other for other in invoice["linkedTransactions"] if other["id"] != memo["id"]
        ]
        settle(invoice)
        company.stamp(invoice, at)
        company.save("invoice", invoice)
    memo["linkedTransactions"] = []


def _link(other: dict[str, Any], transaction_type: str, amount: Decimal) -> dict[str, Any]:
    return {
        "id": other["id"],
        "objectType": "qbd_linked_transaction",
        "transactionType": transaction_type,
        "transactionDate": other["transactionDate"],
        "refNumber": other.get("refNumber"),
        "linkType": "amount",
        "amount": money(-amount),
    }
