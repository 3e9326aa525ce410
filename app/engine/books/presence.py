"""Is every record the ledger says is in Salesforce still there? A mirror or product deleted in
Salesforce would otherwise never come back: its QuickBooks content "did not change".

Read whole, it is one query of ids per object (`Id IN (...)`, cut under the URI limit by
`SalesforceClient.query_in`), no query per record: a few hundred queries at 100,000 invoices.
After a check that found none missing, the next asks Salesforce only for the records deleted
since (sObject Get Deleted, one request per object; results go back no more than 15 days,
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_getdeleted.htm),
and reads whole again when the delete log no longer reaches back that far. QuickBooks is asked
only about the records found missing, to name them (ref number, customer, amount) and to know
whether Fix can recreate them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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


#: Objects only the app writes, whose every record is a mirror: read whole when that is cheaper.
OWN_OBJECTS = frozenset({INVOICE.name, PAYMENT.name})
#: About the ids one `Id IN` query's URI holds; past them, reading the object whole is cheaper.
SCAN_FROM = 400
#: Salesforce's clock may differ from ours; windows start this much earlier.
CLOCK_MARGIN = timedelta(minutes=5)
#: Get Deleted answers for no more than 15 days back; a day less allows for clock drift.
LOG_REACH = timedelta(days=14)
#: More deletions than this are checked by reading every id, in fewer requests.
MANY_DELETED = 2000


@dataclass
class Presence:
    """The linked records Salesforce no longer has, and, when there are none, the time up to
    which its deletions are known (the next check asks only for later ones)."""

    missing: list[Difference] = field(default_factory=list)
    through: datetime | None = None


@dataclass(frozen=True)
class DeletedLog:
    """Salesforce's delete log for the checked objects, from `since` to `asked_at`."""

    since: datetime
    asked_at: datetime
    answers: list[dict[str, Any]]


@dataclass(frozen=True)
class Listed:
    """Every record of some of the app's own objects that Salesforce had at `asked_at`."""

    asked_at: datetime
    ids: dict[str, frozenset[str]]


@dataclass(frozen=True)
class Listing:
    """A listing asked early of these `objects`, and its `answer` once it comes (None when it
    failed): the objects' other checks need not wait for it."""

    objects: frozenset[str]
    answer: Callable[[], Listed | None]


def ask_listed(salesforce: SalesforceClient, objects: Sequence[str]) -> Listed:
    """Every id of each of `objects` (own objects: every record is a mirror), 2,000 a batch,
    the objects at once."""
    asked_at = datetime.now(UTC)
    with ThreadPoolExecutor(max(1, len(objects)), thread_name_prefix="sf-listed") as pool:
        ids = pool.map(lambda name: frozenset(_every_id(salesforce, name)), objects)
        return Listed(asked_at, dict(zip(objects, ids, strict=True)))


def _every_id(salesforce: SalesforceClient, sobject: str) -> set[str]:
    rows = salesforce.query_all(f"SELECT Id FROM {sobject}")  # noqa: S608
    return {str(row.get("Id")) for row in rows}


def ask_deleted(salesforce: SalesforceClient, since: datetime) -> DeletedLog | None:
    """Get Deleted for each checked object at once; None when the log does not reach back."""
    now = datetime.now(UTC)
    if now - since > LOG_REACH:
        return None
    with ThreadPoolExecutor(len(CHECKED), thread_name_prefix="sf-deleted") as pool:
        answers = pool.map(
            lambda sobject: salesforce.deleted(sobject, since, now),
            [sobject.name for sobject, _kinds, _amount in CHECKED.values()],
        )
        return DeletedLog(since, now, list(answers))


def missing_in_salesforce(
    quickbooks: QuickBooks,
    salesforce: SalesforceClient,
    store: Store,
    *,
    since: datetime | None = None,
    asked: DeletedLog | None = None,
    listed: Listing | None = None,
) -> Presence:
    """Each linked record Salesforce no longer has, named, in ledger order; with `since` (the
    last check's `through`), only the records Salesforce deleted after it are looked at, from
    the delete log `asked` already when it starts there. Looked at whole, the objects `listed`
    already are not asked again. Salesforce is asked about every object at once."""
    log = asked if asked is not None and since is not None and asked.since == since else None
    if since is not None and log is None:
        log = ask_deleted(salesforce, since)
    suspects = _deleted_since(store, log) if log is not None else None
    through = (log.asked_at if log is not None else datetime.now(UTC)) - CLOCK_MARGIN

    looked_at = {
        workflow: suspects.get(workflow, [])
        if suspects is not None
        else [
            k for k in store.links(workflow, content=False) if k.sf_id and k.content_hash != DELETED
        ]
        for workflow in CHECKED
    }

    def gone_from(workflow: str) -> tuple[list[Link], datetime | None]:
        """The links whose record is gone, and when the listing they were found in was asked."""
        sobject, links = CHECKED[workflow][0], looked_at[workflow]
        if suspects is not None:
            return _absent(salesforce, sobject, links), None
        answer = listed.answer() if listed is not None and sobject.name in listed.objects else None
        if answer is not None and sobject.name in answer.ids:
            present = answer.ids[sobject.name]
            return [k for k in links if k.sf_id not in present], answer.asked_at
        return _absent(salesforce, sobject, links), None

    with ThreadPoolExecutor(len(CHECKED), thread_name_prefix="sf-presence") as pool:
        answers = list(pool.map(gone_from, CHECKED))
    found: list[Difference] = []
    for (workflow, (_sobject, kinds, amount)), (gone, listed_at) in zip(
        CHECKED.items(), answers, strict=True
    ):
        if listed_at is not None:  # what was deleted after the listing is for the next check
            through = min(through, listed_at - CLOCK_MARGIN)
        if not gone:
            continue
        records = find_records(quickbooks, kinds, [k.qb_id for k in gone])
        whole = store.links_by_qb(workflow, [k.qb_id for k in gone])  # with what they wrote
        found.extend(
            _difference(workflow, whole.get(k.qb_id, k), records.get(k.qb_id), amount) for k in gone
        )
    return Presence(found, None if found else through)


def _deleted_since(store: Store, log: DeletedLog) -> dict[str, list[Link]] | None:
    """The live links whose Salesforce record the log lists as deleted, by workflow; None when
    the log cannot tell (purged past its start, or too many)."""
    suspects: dict[str, list[Link]] = {}
    for workflow, answer in zip(CHECKED, log.answers, strict=True):
        earliest = str(answer.get("earliestDateAvailable") or "").replace("+0000", "+00:00")
        if earliest and datetime.fromisoformat(earliest) > log.since:
            return None
        ids = [str(r.get("id")) for r in answer.get("deletedRecords") or []]
        if len(ids) > MANY_DELETED:
            return None
        links = (store.link_by_sf(workflow, sf_id) for sf_id in dict.fromkeys(ids))
        suspects[workflow] = [k for k in links if k is not None and k.content_hash != DELETED]
    return suspects


def _absent(
    salesforce: SalesforceClient, sobject: SalesforceObject, links: Sequence[Link]
) -> list[Link]:
    if not links:
        return []
    if sobject.name in OWN_OBJECTS and len(links) > SCAN_FROM:
        # Every record of the app's own object, 2,000 a batch: fewer requests than ids in URIs.
        present = _every_id(salesforce, sobject.name)
    else:
        rows = salesforce.query_in(
            f"SELECT Id FROM {sobject.name} WHERE Id IN {IN_VALUES}",  # noqa: S608
            [str(k.sf_id) for k in links],
        )
        present = {str(row.get("Id")) for row in rows}
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
