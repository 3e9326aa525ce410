"""Small helpers the checks of the books share: amounts as a bookkeeper reads them, and
QuickBooks records fetched by id whatever their kind."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from app.quickbooks import QuickBooks


def money(amount: Decimal) -> str:
    """`$81,234.10`, `-$5.00`."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def find_records(
    quickbooks: QuickBooks, kinds: Sequence[str], ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """QuickBooks records by id, of any of `kinds`; ids QuickBooks does not have are left out.

    One list call per kind when every id is of one kind (the usual case). QuickBooks refuses a
    whole id list when one id is of another kind or no longer exists, so those ids are then
    looked up one by one.
    """
    missing = sorted(set(ids))
    found: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        if not missing:
            break
        found.update(quickbooks.find_by_ids(kind, missing))
        missing = [i for i in missing if i not in found]
    for record_id in missing:
        for kind in kinds:
            one = quickbooks.find_by_ids(kind, [record_id])
            if one:
                found.update(one)
                break
    return found
