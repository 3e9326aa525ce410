"""Is every record the ledger says is in Salesforce still there? A mirror or product deleted in
Salesforce would otherwise never come back: its QuickBooks content "did not change".

One query of ids per object (`Id IN (...)`, cut under the URI limit by
`SalesforceClient.query_in`), no query per record. QuickBooks is asked only about the records
found missing, to name them (ref number, customer, amount) and to know whether Fix can
recreate them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from app.domain.workflows import INVOICE, PAYMENT, PRODUCT, SalesforceObject, WorkflowId
from app.engine.books.amounts import to_cents
from app.engine.books.lookup import find_records
from app.engine.books.model import Difference, Kind
from app.engine.books.quickbooks_side import ref_of
from app.engine.deletions import DELETED
from app.quickbooks import QuickBooks
from app.salesforce.client import SalesforceClient
from app.salesforce.soql import IN_VALUES
from app.store import Link, Store

#: The amount a bookkeeper reads on a record: an invoice's total, a payment's amount.
Amount = Callable[[Mapping[str, Any]], Decimal | None]


def _invoice_total(record: Mapping[str, Any]) -> Decimal | None:
    return to_cents(record.get("subtotal")) + to_cents(record.get("salesTaxTotal"))


def _payment_total(record: Mapping[str, Any]) -> Decimal | None:
    return to_cents(record.get("totalAmount"))


#: The ledger keys whose Salesforce records the app created from QuickBooks, with their object,
#: the QuickBooks lists they come from, and their amount.
CHECKED: dict[str, tuple[SalesforceObject, tuple[str, ...], Amount | None]] = {
    WorkflowId.ITEMS: (PRODUCT, ("service_item", "non_inventory_item"), None),
    WorkflowId.INVOICES: (INVOICE, ("invoice",), _invoice_total),
    WorkflowId.PAYMENTS: (PAYMENT, ("receive_payment",), _payment_total),
}


def missing_in_salesforce(
    quickbooks: QuickBooks, salesforce: SalesforceClient, store: Store
) -> list[Difference]:
    """Each linked record Salesforce no longer has, named, in ledger order."""
    found: list[Difference] = []
    for workflow, (sobject, kinds, amount) in CHECKED.items():
        links = [k for k in store.links(workflow) if k.sf_id and k.content_hash != DELETED]
        gone = _absent(salesforce, sobject, links)
        if not gone:
            continue
        records = find_records(quickbooks, kinds, [k.qb_id for k in gone])
        found.extend(_difference(workflow, link, records.get(link.qb_id), amount) for link in gone)
    return found


def _absent(
    salesforce: SalesforceClient, sobject: SalesforceObject, links: Sequence[Link]
) -> list[Link]:
    if not links:
        return []
    present = {
        str(row.get("Id"))
        for row in salesforce.query_in(
            f"SELECT Id FROM {sobject.name} WHERE Id IN {IN_VALUES}",  # noqa: S608
            [str(k.sf_id) for k in links],
        )
    }
    return [k for k in links if k.sf_id not in present]


def _difference(
    workflow: str, link: Link, record: dict[str, Any] | None, amount: Amount | None
) -> Difference:
    content = link.content or {}
    if record is not None:
        ref = ref_of(record) if workflow != WorkflowId.ITEMS else _item_name(record)
        customer = str((record.get("customer") or {}).get("fullName") or "")
        total = amount(record) if amount else None
    else:
        ref = str(content.get("Name") or content.get(PAYMENT.ref_number) or link.qb_id)
        customer = ""
        total = None
    in_quickbooks = record is not None
    detail = (
        f"Salesforce has no record of it: deleted there (it was {link.sf_id}); Fix creates it "
        "again."
        if in_quickbooks
        else f"Salesforce has no record of it: deleted there (it was {link.sf_id}); QuickBooks "
        "no longer has it either."
    )
    return Difference(
        workflow=workflow,
        kind=Kind.MISSING_IN_SALESFORCE,
        qb_id=link.qb_id,
        ref=ref,
        customer=customer or "(no customer)",
        quickbooks_amount=total,
        salesforce_amount=None,
        sf_id=link.sf_id,
        detail=detail,
        in_quickbooks=in_quickbooks,
    )


def _item_name(record: dict[str, Any]) -> str:
    return str(record.get("fullName") or record.get("name") or record.get("id"))
