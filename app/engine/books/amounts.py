"""Amounts as a bookkeeper reads them, exact to the cent."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

ZERO = Decimal("0.00")
_CENT = Decimal("0.01")


def money(amount: Decimal) -> str:
    """`$81,234.10`, `-$5.00`."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def to_cents(value: object) -> Decimal:
    """A Salesforce amount (aggregate sums arrive as JSON numbers, exact to the cent as text)."""
    return Decimal(str(value if value is not None else "0")).quantize(_CENT)


def quickbooks_amount(record: Mapping[str, Any], invoice: bool) -> Decimal:
    """An open invoice's balance remaining, or a payment's total."""
    raw = record.get("balanceRemaining" if invoice else "totalAmount")
    return Decimal(str(raw or "0")).quantize(_CENT)
