"""Invoices: lines priced from items, totals, void and delete, as QuickBooks keeps them.

`subtotal` is the sum of the lines; payments applied to an invoice are its
`linkedTransactions` (negative amounts), as are credit memos applied to it; their sum is
`appliedAmount`, and `balanceRemaining = subtotal + salesTaxTotal - appliedAmount`; `isPaid`
once that is zero. Voiding or deleting an invoice frees the payments applied to it as unused
credit and gives the credit memos applied to it their credit back. Invoices dated on or before
the company's closing date cannot be added or changed (3171), and a new invoice may not take a
customer over its credit limit (3180).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from app.sandbox.conductor import errors
from app.sandbox.conductor.company import ITEM_KINDS, Company
from app.sandbox.conductor.fields import Address, Money, Plain, Ref, assign
from app.sandbox.conductor.values import ZERO, money, rate

_ACCOUNT = ("account",)
INVOICE_RULES: dict[str, Any] = {
    **{
        key: Plain()
        for key in (
            "transactionDate",
            "refNumber",
            "isPending",
            "isFinanceCharge",
            "purchaseOrderNumber",
            "dueDate",
            "shipmentOrigin",
            "shippingDate",
            "memo",
            "isQueuedForPrint",
            "isQueuedForEmail",
            "otherCustomField",
            "exchangeRate",
            "externalId",
        )
    },
    "billingAddress": Address(),
    "shippingAddress": Address(),
    "receivablesAccountId": Ref("receivablesAccount", "Account", _ACCOUNT),
    "classId": Ref("class", "Class"),
    "documentTemplateId": Ref("documentTemplate", "Template"),
    "termsId": Ref("terms", "Terms"),
    "salesRepresentativeId": Ref("salesRepresentative", "SalesRep"),
    "shippingMethodId": Ref("shippingMethod", "ShipMethod"),
    "salesTaxItemId": Ref("salesTaxItem", "ItemSalesTax"),
    "customerMessageId": Ref("customerMessage", "CustomerMsg"),
    "salesTaxCodeId": Ref("salesTaxCode", "SalesTaxCode"),
}
LINE_RULES: dict[str, Any] = {
    **{
        key: Plain()
        for key in (
            "description",
            "quantity",
            "unitOfMeasure",
            "ratePercent",
            "serviceDate",
            "serialNumber",
            "lotNumber",
            "otherCustomField1",
            "otherCustomField2",
        )
    },
    "rate": Money(precise=True),
    "amount": Money(),
    "itemId": Ref("item", "Item", ITEM_KINDS),
    "classId": Ref("class", "Class"),
    "salesTaxCodeId": Ref("salesTaxCode", "SalesTaxCode"),
    "inventorySiteId": Ref("inventorySite", "InventorySite"),
    "inventorySiteLocationId": Ref("inventorySiteLocation", "InventorySiteLocation"),
    "overrideUnitOfMeasureSetId": Ref("overrideUnitOfMeasureSet", "UnitOfMeasureSet"),
    "priceLevelId": Ref("_priceLevel", "PriceLevel"),
    "overrideItemAccountId": Ref("_overrideItemAccount", "Account", _ACCOUNT),
}
_INVOICE = "Invoice"


def create_invoice(company: Company, request: dict[str, Any]) -> dict[str, Any]:
    customer = require_customer(company, request["customerId"], _INVOICE)
    body: dict[str, Any] = {
        "objectType": "qbd_invoice",
        "customer": company.reference(customer),
        "receivablesAccount": company.special_account("accounts_receivable"),
        "billingAddress": customer.get("billingAddress"),
        "shippingAddress": customer.get("shippingAddress"),
        "isPending": False,
        "isFinanceCharge": False,
        "isQueuedForPrint": False,
        "isQueuedForEmail": False,
        "salesTaxTotal": "0.00",
        "linkedTransactions": [],
        "lines": [],
    }
    assign(company, body, request, INVOICE_RULES, _INVOICE, skip=("customerId", "lines"))
    company.transaction_currency(customer, body)
    company.check_open_period(_INVOICE, body["transactionDate"])
    body.setdefault("dueDate", body["transactionDate"])
    lines = [build_line(company, line, None) for line in request.get("lines", [])]
    body["lines"] = lines
    settle(body)
    company.check_credit_limit(customer, Decimal(body["balanceRemaining"]))
    at = company.clock.tick()
    body["id"] = company.txn_id(at)
    body["lines"] = with_line_ids(company, lines, at)
    company.stamp(body, at, created=True)
    company.add("invoice", body)
    company.refresh_balance(body["customer"]["id"])
    return body


def update_invoice(company: Company, invoice_id: str, request: dict[str, Any]) -> dict[str, Any]:
    body = company.require(invoice_id, ("invoice",))
    company.check_revision(body, request["revisionNumber"])
    company.check_open_period(_INVOICE, body["transactionDate"])
    company.check_open_period(_INVOICE, request.get("transactionDate"))
    old_customer = body["customer"]["id"]
    if "customerId" in request:
        customer = require_customer(company, request["customerId"], _INVOICE)
        if customer["id"] != old_customer and payments_of(body):
            raise errors.save_failed(
                _INVOICE, "The customer cannot change while payments are applied to the invoice."
            )
        body["customer"] = company.reference(customer)
    assign(
        company,
        body,
        request,
        INVOICE_RULES,
        _INVOICE,
        skip=("customerId", "lines", "revisionNumber", "externalId", "isFinanceCharge"),
    )
    lines = body["lines"]
    if "lines" in request:
        by_id = {line["id"]: line for line in body["lines"]}
        lines = []
        for requested in request["lines"]:
            line_id = requested["id"]
            if line_id != "-1" and line_id not in by_id:
                raise errors.object_not_found(line_id)
            lines.append(build_line(company, requested, by_id.get(line_id)))
    at = company.clock.tick()
    body["lines"] = with_line_ids(company, lines, at)
    settle(body)
    if Decimal(body["balanceRemaining"]) < 0:
        raise errors.save_failed(
            _INVOICE, "The invoice total cannot be less than the payments applied to it."
        )
    company.stamp(body, at)
    company.save("invoice", body)
    _refresh_links(company, body)
    company.refresh_balance(old_customer)
    if body["customer"]["id"] != old_customer:
        company.refresh_balance(body["customer"]["id"])
    return body


def void_invoice(company: Company, invoice_id: str) -> dict[str, Any]:
    body = company.require(invoice_id, ("invoice",))
    company.check_open_period(_INVOICE, body["transactionDate"])
    at = company.clock.tick()
    _free_payments(company, body, at)
    _free_credits(company, body, at)
    for line in body["lines"]:
        if line.get("amount") is not None:
            line["amount"] = "0.00"
        if line.get("quantity") is not None:
            line["quantity"] = 0
    memo = body.get("memo")
    if not (memo or "").startswith("VOID:"):
        body["memo"] = f"VOID: {memo}" if memo else "VOID:"
    settle(body)
    company.stamp(body, at)
    company.save("invoice", body)
    company.refresh_balance(body["customer"]["id"])
    return body


def delete_invoice(company: Company, invoice_id: str) -> dict[str, Any]:
    body = company.require(invoice_id, ("invoice",))
    company.check_open_period(_INVOICE, body["transactionDate"])
    at = company.clock.tick()
    _free_payments(company, body, at)
    _free_credits(company, body, at)
    company.remove("invoice", body, at)
    company.refresh_balance(body["customer"]["id"])
    return body


def require_customer(company: Company, customer_id: str, within: str) -> dict[str, Any]:
    customer = company.find(customer_id, ("customer",))
    if customer is None:
        raise errors.invalid_reference("Customer", customer_id, within)
    return customer


def build_line(
    company: Company, requested: dict[str, Any], existing: dict[str, Any] | None
) -> dict[str, Any]:
    line = dict(existing) if existing else {"objectType": "qbd_invoice_line", "customFields": []}
    given = set(requested)
    assign(company, line, requested, LINE_RULES, _INVOICE, skip=("id",))
    item = company.find(line["item"]["id"], ITEM_KINDS) if line.get("item") else None
    if existing is None and item is not None and "description" not in given:
        line["description"] = _item_description(item)
    quantity = line.get("quantity")
    if "amount" in given:
        if quantity and "rate" not in given:
            line["rate"] = rate(Decimal(line["amount"]) / Decimal(str(quantity)))
    elif existing is None or given & {"quantity", "rate", "itemId"}:
        if "rate" not in given and item is not None and ("itemId" in given or not line.get("rate")):
            suggested = _item_price(item)
            line["rate"] = rate(suggested) if suggested is not None else line.get("rate")
        if line.get("rate") is not None:
            count = Decimal(str(quantity)) if quantity is not None else Decimal(1)
            line["amount"] = money(Decimal(line["rate"]) * count)
    return line


def with_line_ids(
    company: Company, lines: list[dict[str, Any]], at: datetime
) -> list[dict[str, Any]]:
    for line in lines:
        if "id" not in line:
            line["id"] = company.txn_id(at)
    return lines


def _item_price(item: dict[str, Any]) -> Decimal | None:
    price = (item.get("salesOrPurchaseDetails") or {}).get("price") or (
        item.get("salesAndPurchaseDetails") or {}
    ).get("salesPrice")
    return Decimal(price) if price is not None else None


def _item_description(item: dict[str, Any]) -> str | None:
    return (item.get("salesOrPurchaseDetails") or {}).get("description") or (
        item.get("salesAndPurchaseDetails") or {}
    ).get("salesDescription")


def settle(invoice: dict[str, Any]) -> None:
    subtotal = sum(
        (Decimal(line["amount"]) for line in invoice["lines"] if line.get("amount")), ZERO
    )
    applied = -sum((Decimal(link["amount"]) for link in applied_links(invoice)), ZERO)
    balance = subtotal + Decimal(invoice.get("salesTaxTotal") or "0") - applied
    invoice["subtotal"] = money(subtotal)
    invoice["appliedAmount"] = money(applied)
    invoice["balanceRemaining"] = money(balance)
    invoice["isPaid"] = balance <= 0


def applied_links(invoice: dict[str, Any]) -> list[dict[str, Any]]:
    """Payments and credits applied to the invoice: each lowers what it still asks for."""
    return [
        link
        for link in invoice.get("linkedTransactions", [])
        if link["transactionType"] in ("receive_payment", "credit_memo")
    ]


def payments_of(invoice: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        link
        for link in invoice.get("linkedTransactions", [])
        if link["transactionType"] == "receive_payment"
    ]


def _free_payments(company: Company, invoice: dict[str, Any], at: datetime) -> None:
    """Voiding or deleting an invoice frees the payments applied to it as unused credit."""
    for link in payments_of(invoice):
        payment = company.find(link["id"], ("receive_payment",))
        if payment is None:
            continue
        payment["appliedToTransactions"] = [
            a for a in payment["appliedToTransactions"] if a["transactionId"] != invoice["id"]
        ]
        applied = sum((Decimal(a["amount"]) for a in payment["appliedToTransactions"]), ZERO)
        payment["unusedPayment"] = money(Decimal(payment["totalAmount"]) - applied)
        company.stamp(payment, at)
        company.save("receive_payment", payment)
    invoice["linkedTransactions"] = [
        link
        for link in invoice["linkedTransactions"]
        if link["transactionType"] != "receive_payment"
    ]


def _free_credits(company: Company, invoice: dict[str, Any], at: datetime) -> None:
    """Voiding or deleting an invoice gives the credit memos applied to it their credit back."""
    for link in invoice["linkedTransactions"]:
        if link["transactionType"] != "credit_memo":
            continue
        memo = company.find(link["id"], ("credit_memo",))
        if memo is None:
            continue
        memo["linkedTransactions"] = [
            other for other in memo["linkedTransactions"] if other["id"] != invoice["id"]
        ]
        memo["creditRemaining"] = money(Decimal(memo["creditRemaining"]) - Decimal(link["amount"]))
        company.stamp(memo, at)
        company.save("credit_memo", memo)
    invoice["linkedTransactions"] = [
        link for link in invoice["linkedTransactions"] if link["transactionType"] != "credit_memo"
    ]


def _refresh_links(company: Company, invoice: dict[str, Any]) -> None:
    """Payments show their targets' ref numbers and dates as they are now."""
    for link in payments_of(invoice):
        payment = company.find(link["id"], ("receive_payment",))
        if payment is None:
            continue
        for applied in payment["appliedToTransactions"]:
            if applied["transactionId"] == invoice["id"]:
                applied["refNumber"] = invoice.get("refNumber")
                applied["transactionDate"] = invoice["transactionDate"]
        company.save("receive_payment", payment)
