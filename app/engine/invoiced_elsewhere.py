"""Won opportunities QuickBooks already has an invoice for, made outside this app's outbox.

An invoice is the opportunity's when it carries the opportunity's external id (made by this app,
its ledger since lost), or when it is for the same customer and its memo or PO number names the
opportunity (its Salesforce id, or exactly its name). Conductor's invoice list filters by
customer and date but not by memo or PO number, so those are compared here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from app.domain.matching import normalise_name
from app.domain.salesforce_ids import external_id_for, is_salesforce_id
from app.engine.context import RunContext

#: An invoice typed in QuickBooks for a deal is dated near its close: this far before, at most.
LOOK_BACK = timedelta(days=120)


@dataclass(frozen=True)
class Deal:
    opportunity_id: str
    name: str
    customer_id: str
    close_date: str | None


def find(ctx: RunContext, deals: Sequence[Deal]) -> dict[str, dict[str, Any]]:
    """Opportunity id -> the QuickBooks invoice that already bills it."""
    deals = [d for d in deals if d.customer_id and is_salesforce_id(d.opportunity_id)]
    if not deals:
        return {}
    days = [d.close_date for d in deals if d.close_date]
    filters: dict[str, Any] = {}
    if len(days) == len(deals):
        filters["transaction_date_from"] = _days_before(min(days))
    invoices = ctx.quickbooks.list_all(
        "invoice",
        customer_ids=sorted({d.customer_id for d in deals}),
        include_line_items=False,
        **filters,
    )
    found: dict[str, dict[str, Any]] = {}
    for deal in deals:
        invoice = _billing(deal, invoices)
        if invoice is not None:
            found[deal.opportunity_id] = invoice
    return found


def _billing(deal: Deal, invoices: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    external_id = external_id_for(deal.opportunity_id)
    ids = {deal.opportunity_id, deal.opportunity_id[:15]}
    name = normalise_name(deal.name) if deal.name else ""
    for invoice in invoices:
        if invoice.get("externalId") == external_id:
            return dict(invoice)
        if (invoice.get("customer") or {}).get("id") != deal.customer_id:
            continue
        for text in (invoice.get("memo"), invoice.get("purchaseOrderNumber")):
            if not isinstance(text, str) or not text.strip():
                continue
            if any(i in text for i in ids) or (name and normalise_name(text) == name):
                return dict(invoice)
    return None


def _days_before(day: str) -> str:
    try:
        return (date.fromisoformat(day[:10]) - LOOK_BACK).isoformat()
    except ValueError:
        return "1900-01-01"
