"""Received payments: applied to chosen invoices, auto-applied, or left as unused credit.

Applying or unapplying a payment changes the invoices it touches in the same write: their
`appliedAmount`, `balanceRemaining`, `isPaid`, `updatedAt` and `revisionNumber` move, and the
customer's balance is derived again. Payments dated on or before the company's closing date cannot
be added, changed or deleted (3171).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from app.sandbox.conductor import errors
from app.sandbox.conductor.company import Company
from app.sandbox.conductor.fields import Money, Plain, Ref, assign, unsupported
from app.sandbox.conductor.invoices import require_customer, settle
from app.sandbox.conductor.values import ZERO, money, parse_money

_ACCOUNT = ("account",)
PAYMENT_RULES: dict[str, Any] = {
    **{
        key: Plain()
        for key in ("transactionDate", "refNumber", "memo", "exchangeRate", "externalId")
    },
    "totalAmount": Money(),
    "receivablesAccountId": Ref("receivablesAccount", "Account", _ACCOUNT),
    "depositToAccountId": Ref("depositToAccount", "Account", _ACCOUNT),
    "paymentMethodId": Ref("paymentMethod", "PaymentMethod"),
}
_PAYMENT = "Receive Payment"


def create_payment(company: Company, request: dict[str, Any]) -> dict[str, Any]:
    if "isAutoApply" in request and "applyToTransactions" in request:
        raise errors.invalid_request(
            "Specify either `isAutoApply` or `applyToTransactions` when creating a "
            "receive-payment, never both."
        )
    customer = require_customer(company, request["customerId"], _PAYMENT)
    body: dict[str, Any] = {
        "objectType": "qbd_receive_payment",
        "customer": company.reference(customer),
        "receivablesAccount": company.special_account("accounts_receivable"),
        "depositToAccount": company.special_account("undeposited_funds"),
        "unusedCredits": "0.00",
        "appliedToTransactions": [],
    }
    assign(
        company,
        body,
        request,
        PAYMENT_RULES,
        _PAYMENT,
        skip=("customerId", "isAutoApply", "applyToTransactions"),
    )
    company.transaction_currency(customer, body)
    company.check_open_period(_PAYMENT, body["transactionDate"])
    total = Decimal(body["totalAmount"])
    if "applyToTransactions" in request:
        plan = _planned(company, body, request["applyToTransactions"], total)
    elif request.get("isAutoApply"):
        plan = _auto_plan(company, body, total)
    else:
        plan = []
    at = company.clock.tick()
    body["id"] = company.txn_id(at)
    company.stamp(body, at, created=True)
    _apply(company, body, plan, at)
    company.add("receive_payment", body)
    company.refresh_balance(body["customer"]["id"])
    return body


def update_payment(company: Company, payment_id: str, request: dict[str, Any]) -> dict[str, Any]:
    body = company.require(payment_id, ("receive_payment",))
    company.check_revision(body, request["revisionNumber"])
    company.check_open_period(_PAYMENT, body["transactionDate"])
    company.check_open_period(_PAYMENT, request.get("transactionDate"))
    old_customer = body["customer"]["id"]
    at = company.clock.tick()
    previous = {a["transactionId"]: Decimal(a["amount"]) for a in body["appliedToTransactions"]}
    _unapply_payment(company, body, at)
    if "customerId" in request:
        body["customer"] = company.reference(
            require_customer(company, request["customerId"], _PAYMENT)
        )
    assign(
        company,
        body,
        request,
        PAYMENT_RULES,
        _PAYMENT,
        skip=("customerId", "applyToTransactions", "revisionNumber"),
    )
    total = Decimal(body["totalAmount"])
    if "applyToTransactions" in request:
        plan = _planned(company, body, request["applyToTransactions"], total)
    else:
        plan = [
            (company.require(invoice_id, ("invoice",)), amount)
            for invoice_id, amount in previous.items()
        ]
        _check_total(plan, total)
    company.stamp(body, at)
    _apply(company, body, plan, at)
    company.save("receive_payment", body)
    company.refresh_balance(old_customer)
    if body["customer"]["id"] != old_customer:
        company.refresh_balance(body["customer"]["id"])
    return body


def delete_payment(company: Company, payment_id: str) -> dict[str, Any]:
    body = company.require(payment_id, ("receive_payment",))
    company.check_open_period(_PAYMENT, body["transactionDate"])
    at = company.clock.tick()
    _unapply_payment(company, body, at)
    company.remove("receive_payment", body, at)
    company.refresh_balance(body["customer"]["id"])
    return body


Plan = list[tuple[dict[str, Any], Decimal]]


def _planned(
    company: Company, payment: dict[str, Any], requested: list[dict[str, Any]], total: Decimal
) -> Plan:
    plan: Plan = []
    seen: set[str] = set()
    for target in requested:
        invoice_id = target["transactionId"]
        if invoice_id in seen:
            raise errors.save_failed(_PAYMENT, f'The transaction "{invoice_id}" is listed twice.')
        seen.add(invoice_id)
        for key in ("applyCredits", "discountAmount", "discountAccountId", "discountClassId"):
            if key in target:
                raise unsupported(f"applyToTransactions.{key}", _PAYMENT)
        invoice = company.find(invoice_id, ("invoice",))
        if (
            invoice is None
            or invoice["isPaid"]
            or invoice["customer"]["id"] != payment["customer"]["id"]
        ):
            raise errors.object_not_found(invoice_id)
        if "paymentAmount" not in target:
            raise errors.save_failed(
                _PAYMENT,
                f'Empty transaction: specify a paymentAmount for "{invoice_id}".',
            )
        amount = parse_money("paymentAmount", target["paymentAmount"])
        if amount > Decimal(invoice["balanceRemaining"]):
            raise errors.save_failed(
                _PAYMENT,
                f'The amount applied to "{invoice_id}" exceeds its balance remaining '
                f"({invoice['balanceRemaining']}).",
            )
        plan.append((invoice, amount))
    _check_total(plan, total)
    return plan


def _check_total(plan: Plan, total: Decimal) -> None:
    if sum((amount for _, amount in plan), ZERO) > total:
        raise errors.save_failed(
            _PAYMENT, "The sum of the amounts applied exceeds the payment's totalAmount."
        )


def _auto_plan(company: Company, payment: dict[str, Any], total: Decimal) -> Plan:
    """An exact match first; otherwise the oldest open invoices until the money runs out."""
    open_invoices = [
        body
        for _, _, body in company.store.select(
            "kind = 'invoice' AND customer_id = ? AND is_paid = 0",
            [payment["customer"]["id"]],
            order="txn_date, seq",
        )
    ]
    for invoice in open_invoices:
        if Decimal(invoice["balanceRemaining"]) == total:
            return [(invoice, total)]
    plan: Plan = []
    left = total
    for invoice in open_invoices:
        if left <= 0:
            break
        amount = min(left, Decimal(invoice["balanceRemaining"]))
        if amount > 0:
            plan.append((invoice, amount))
            left -= amount
    return plan


def _apply(company: Company, payment: dict[str, Any], plan: Plan, at: datetime) -> None:
    applied = ZERO
    payment["appliedToTransactions"] = []
    for invoice, amount in plan:
        invoice["linkedTransactions"].append(
            {
                "id": payment["id"],
                "objectType": "qbd_linked_transaction",
                "transactionType": "receive_payment",
                "transactionDate": payment["transactionDate"],
                "refNumber": payment.get("refNumber"),
                "linkType": "amount",
                "amount": money(-amount),
            }
        )
        settle(invoice)
        company.stamp(invoice, at)
        company.save("invoice", invoice)
        payment["appliedToTransactions"].append(
            {
                "transactionId": invoice["id"],
                "transactionType": "invoice",
                "transactionDate": invoice["transactionDate"],
                "refNumber": invoice.get("refNumber"),
                "balanceRemaining": invoice["balanceRemaining"],
                "amount": money(amount),
                "linkedTransactions": [],
            }
        )
        applied += amount
    payment["unusedPayment"] = money(Decimal(payment["totalAmount"]) - applied)


def _unapply_payment(company: Company, payment: dict[str, Any], at: datetime) -> None:
    for applied in payment["appliedToTransactions"]:
        invoice = company.find(applied["transactionId"], ("invoice",))
        if invoice is None:
            continue
        invoice["linkedTransactions"] = [
            link for link in invoice["linkedTransactions"] if link["id"] != payment["id"]
        ]
        settle(invoice)
        company.stamp(invoice, at)
        company.save("invoice", invoice)
    payment["appliedToTransactions"] = []
    payment["unusedPayment"] = payment["totalAmount"]
