"""How QuickBooks' answer to an invoice create differs from the body that was sent."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any


def differences(sent: Mapping[str, Any], created: Mapping[str, Any]) -> list[str]:
    """Plain descriptions of each difference in external id, customer, number and total."""
    found = []
    if created.get("externalId") != sent.get("externalId"):
        found.append(
            f"its external id is {created.get('externalId')!r}, not {sent.get('externalId')!r}"
        )
    customer = (created.get("customer") or {}).get("id")
    if customer != sent.get("customerId"):
        found.append(f"its customer is {customer!r}, not {sent.get('customerId')!r}")
    if sent.get("refNumber") and created.get("refNumber") != sent.get("refNumber"):
        found.append(f"its number is {created.get('refNumber')!r}, not {sent['refNumber']!r}")
    expected = lines_total(sent)
    saved = decimal_or_none(created.get("subtotal"))
    if expected is not None and saved != expected:
        found.append(f"its subtotal is {saved}, not {expected}")
    return found


def lines_total(body: Mapping[str, Any]) -> Decimal | None:
    """The sum of the lines' amounts sent; None when a line leaves its amount to QuickBooks."""
    total = Decimal("0.00")
    for line in body.get("lines") or []:
        amount = decimal_or_none(line.get("amount"))
        if amount is None:
            return None
        total += amount
    return total


def decimal_or_none(value: object) -> Decimal | None:
    """A QuickBooks amount or rate as a Decimal; None when there is none or it is not a number."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
