"""The sales tax QuickBooks Desktop will add to an invoice, worked out before it is sent.

QuickBooks taxes a line when both the line's sales tax code (the item's `salesTaxCode` unless the
line names one) and the customer's `salesTaxCode` are taxable (`isTaxable`), at the rate of the
customer's `salesTaxItem` (`taxRate`, "7.5" for 7.5%); with sales tax turned off the company file
has no `salesTax` preferences and adds none (Conductor: preferences, customers, items,
sales-tax-codes, sales-tax-items). Anything not known gives None: the amount is then before tax.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.domain.invoice_reply import decimal_or_none

CENT = Decimal("0.01")


def invoice_tax(
    body: Mapping[str, Any],
    *,
    sales_tax_on: bool,
    customer: Mapping[str, Any],
    items: Mapping[str, Mapping[str, Any]],
    tax_codes: Mapping[str, Mapping[str, Any]],
    tax_items: Mapping[str, Mapping[str, Any]] | None,
) -> Decimal | None:
    """The tax on the invoice `body` for `customer`; None when it cannot be known."""
    if not sales_tax_on:
        return Decimal("0.00")
    customer_code = _code(customer.get("salesTaxCode"), tax_codes)
    if customer_code is None:
        return None
    if customer_code.get("isTaxable") is False:
        return Decimal("0.00")
    rate = _rate((customer.get("salesTaxItem") or {}).get("id"), tax_items)
    if rate is None:
        return None
    taxable = Decimal("0.00")
    for line in body.get("lines") or []:
        item = items.get(str(line.get("itemId") or "")) or {}
        given = {"id": line["salesTaxCodeId"]} if line.get("salesTaxCodeId") else None
        code = _code(given or item.get("salesTaxCode"), tax_codes)
        amount = decimal_or_none(line.get("amount"))
        if code is None or amount is None:
            return None
        if code.get("isTaxable"):
            taxable += amount
    return (taxable * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _code(
    reference: Mapping[str, Any] | None, tax_codes: Mapping[str, Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    if not reference or not reference.get("id"):
        return None
    return tax_codes.get(str(reference["id"]))


def _rate(item_id: object, tax_items: Mapping[str, Mapping[str, Any]] | None) -> Decimal | None:
    if not item_id or tax_items is None:
        return None
    item = tax_items.get(str(item_id))
    return None if item is None else decimal_or_none(item.get("taxRate"))
