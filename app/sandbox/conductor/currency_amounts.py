"""Amounts in the home currency, as QuickBooks shows them on foreign-currency transactions.

With multicurrency on, each transaction carries its currency and `exchangeRate` (home units per
unit of the transaction's currency) and QuickBooks adds the open or total amount converted to
the home currency: `balanceRemainingInHomeCurrency` on invoices, `totalAmountInHomeCurrency` on
receive-payments, `creditRemainingInHomeCurrency` on credit memos (Conductor's API reference,
"The Invoice object", "The Receive-Payment object", "The Credit Memo object"). Without
multicurrency these stay null.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from app.sandbox.conductor.values import money

if TYPE_CHECKING:
    from app.sandbox.conductor.company import Company

#: Per kind: (the amount in the transaction's currency, its home-currency field).
HOME_FIELDS = {
    "invoice": ("balanceRemaining", "balanceRemainingInHomeCurrency"),
    "receive_payment": ("totalAmount", "totalAmountInHomeCurrency"),
    "credit_memo": ("creditRemaining", "creditRemainingInHomeCurrency"),
}


def home_amounts(company: Company, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """The home-currency field of a transaction in a multicurrency file; nothing otherwise."""
    fields = HOME_FIELDS.get(kind)
    if fields is None or body.get("currency") is None:
        return {}
    amount, home_field = fields
    if body.get(amount) is None:
        return {}
    exchange_rate = Decimal(str(body.get("exchangeRate") or 1))
    return {home_field: money(Decimal(body[amount]) * exchange_rate)}
