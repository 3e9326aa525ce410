"""Transactions: invoices and received payments, and how payments settle invoices.

An invoice's `subtotal` is the sum of its lines; payments applied to it are its
`linkedTransactions` (negative amounts), their sum is `appliedAmount`, and
`balanceRemaining = subtotal + salesTaxTotal - appliedAmount`; `isPaid` once that is zero.
Applying, unapplying, voiding and deleting all move the invoices' `updatedAt` and
`revisionNumber` as QuickBooks does, and re-derive the customer's balance.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from app.sandbox.conductor import errors
from app.sandbox.conductor.company import ITEM_KINDS, Company
from app.sandbox.conductor.fields import Address, Money, Plain, Ref, assign, unsupported
from app.sandbox.conductor.values import ZERO, money, parse_money, rate

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
_INVOICE = "Invoice"
_PAYMENT = "Receive Payment"


# -- invoices ------------------------------------------------------------------------------------


def create_invoice(company: Company, request: dict[str, Any]) -> dict[str, Any]:
    customer = _customer(company, request["customerId"], _INVOICE)
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
    body.setdefault("dueDate", body["transactionDate"])
    lines = [_line(company, line, None) for line in request.get("lines", [])]
    at = company.clock.tick()
    body["id"] = company.txn_id(at)
    body["lines"] = _with_ids(company, lines, at)
    _settle(body)
    company.stamp(body, at, created=True)
    company.add("invoice", body)
    company.refresh_balance(body["customer"]["id"])
    return body


def update_invoice(company: Company, invoice_id: str, request: dict[str, Any]) -> dict[str, Any]:
    body = company.require(invoice_id, ("invoice",))
    company.check_revision(body, request["revisionNumber"])
    old_customer = body["customer"]["id"]
    if "customerId" in request:
        customer = _customer(company, request["customerId"], _INVOICE)
        if customer["id"] != old_customer and _payments_of(body):
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
            lines.append(_line(company, requested, by_id.get(line_id)))
    at = company.clock.tick()
    body["lines"] = _with_ids(company, lines, at)
    _settle(body)
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
    at = company.clock.tick()
    _unapply_all(company, body, at)
    for line in body["lines"]:
        if line.get("amount") is not None:
            line["amount"] = "0.00"
        if line.get("quantity") is not None:
            line["quantity"] = 0
    memo = body.get("memo")
    if not (memo or "").startswith("VOID:"):
        body["memo"] = f"VOID: {memo}" if memo else "VOID:"
    _settle(body)
    company.stamp(body, at)
    company.save("invoice", body)
    company.refresh_balance(body["customer"]["id"])
    return body


def delete_invoice(company: Company, invoice_id: str) -> dict[str, Any]:
    body = company.require(invoice_id, ("invoice",))
    at = company.clock.tick()
    _unapply_all(company, body, at)
    company.remove("invoice", body, at)
    company.refresh_balance(body["customer"]["id"])
    return body


def _customer(company: Company, customer_id: str, within: str) -> dict[str, Any]:
    customer = company.find(customer_id, ("customer",))
    if customer is None:
        raise errors.invalid_reference("Customer", customer_id, within)
    return customer


def _line(
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


def _with_ids(company: Company, lines: list[dict[str, Any]], at: datetime) -> list[dict[str, Any]]:
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


def _settle(invoice: dict[str, Any]) -> None:
    subtotal = sum(
        (Decimal(line["amount"]) for line in invoice["lines"] if line.get("amount")), ZERO
    )
    applied = -sum((Decimal(link["amount"]) for link in _payments_of(invoice)), ZERO)
    balance = subtotal + Decimal(invoice.get("salesTaxTotal") or "0") - applied
    invoice["subtotal"] = money(subtotal)
    invoice["appliedAmount"] = money(applied)
    invoice["balanceRemaining"] = money(balance)
    invoice["isPaid"] = balance <= 0


def _payments_of(invoice: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        link
        for link in invoice.get("linkedTransactions", [])
        if link["transactionType"] == "receive_payment"
    ]


# -- payments ------------------------------------------------------------------------------------


def create_payment(company: Company, request: dict[str, Any]) -> dict[str, Any]:
    if "isAutoApply" in request and "applyToTransactions" in request:
        raise errors.invalid_request(
            "Specify either `isAutoApply` or `applyToTransactions` when creating a "
            "receive-payment, never both."
        )
    customer = _customer(company, request["customerId"], _PAYMENT)
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
    old_customer = body["customer"]["id"]
    at = company.clock.tick()
    previous = {a["transactionId"]: Decimal(a["amount"]) for a in body["appliedToTransactions"]}
    _unapply_payment(company, body, at)
    if "customerId" in request:
        body["customer"] = company.reference(_customer(company, request["customerId"], _PAYMENT))
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
        _settle(invoice)
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
        _settle(invoice)
        company.stamp(invoice, at)
        company.save("invoice", invoice)
    payment["appliedToTransactions"] = []
    payment["unusedPayment"] = payment["totalAmount"]


def _unapply_all(company: Company, invoice: dict[str, Any], at: datetime) -> None:
    """Voiding or deleting an invoice frees the payments applied to it as unused credit."""
    for link in _payments_of(invoice):
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


def _refresh_links(company: Company, invoice: dict[str, Any]) -> None:
    """Payments show their targets' ref numbers and dates as they are now."""
    for link in _payments_of(invoice):
        payment = company.find(link["id"], ("receive_payment",))
        if payment is None:
            continue
        for applied in payment["appliedToTransactions"]:
            if applied["transactionId"] == invoice["id"]:
                applied["refNumber"] = invoice.get("refNumber")
                applied["transactionDate"] = invoice["transactionDate"]
        company.save("receive_payment", payment)
