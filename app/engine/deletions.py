"""QuickBooks deletions: the Salesforce mirror is marked "Deleted in QuickBooks", never deleted.

QuickBooks lists deleted transactions of the last 90 days only (Conductor's "List all deleted
transactions": `deletedAfter` is "within the last 90 days (QuickBooks limit)",
reference/conductor/openapi.yml, GET /quickbooks-desktop/deleted-transactions), so `deletedAfter`
is never asked older than that. When the last look at deletions is older than the window (the app
was off for months), the deletions in between are no longer listed: the ids the ledger has linked
are then looked up in QuickBooks' current lists instead, and each one QuickBooks no longer has is
marked, so no deletion is missed.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.outcomes import Outcome
from app.domain.record_mapping import deleted_mark
from app.domain.workflows import ACCOUNT, ALL_WORKFLOWS, INVOICE, WorkflowId, workflow
from app.engine import receivables
from app.engine.books.sync_reads import note_deleted
from app.engine.context import RunContext, later, parse_stamp
from app.engine.recorder import ItemOutcome
from app.engine.result import PlannedAction
from app.engine.salesforce_results import failure_text, first_error
from app.store import Link

CURSOR = "deletions"
#: The cursor's second source: when this PC last read QuickBooks' deletions (its own clock).
CHECKED = "checked"
#: QuickBooks keeps deleted transactions for 90 days; a day less allows for clock drift.
HORIZON = timedelta(days=89)
DELETED = "deleted"
#: The deleted-transactions endpoint's `transactionTypes` value of each mirrored kind (Conductor's
#: "List all deleted transactions", reference/conductor/openapi.yml).
TYPES = {
    "invoice": WorkflowId.INVOICES,
    "credit_memo": WorkflowId.CREDIT_MEMOS,
    "receive_payment": WorkflowId.PAYMENTS,
}
#: Mirrors to mark, by workflow: QuickBooks id, ref and Salesforce id of each.
Marks = dict[str, list[dict[str, str]]]
#: Where a run keeps the deletions asked for ahead.
_AHEAD = "deletions.asked_ahead"


def deleted_after(cursor: str | None, overlap: timedelta, now: datetime) -> datetime:
    """Where to start asking: the cursor less the overlap, never before QuickBooks' window."""
    oldest = now - HORIZON
    if cursor is None:
        return oldest
    return max(parse_stamp(cursor) - overlap, oldest)


def missed_window(checked: str | None, cursor: str | None, now: datetime) -> bool:
    """Deletions were last read so long ago that QuickBooks may have forgotten some since."""
    last = checked or cursor
    return last is not None and parse_stamp(last) < now - HORIZON


def read_ahead(ctx: RunContext, enabled: set[str]) -> None:
    """Ask QuickBooks for the deletions now, beside the lists read ahead, for `mark_deletions`
    after the transactions are mirrored. One deleted meanwhile is read by the next run: the
    cursor moves only as far as the deletions read."""
    types = [t for t, wf in TYPES.items() if wf in enabled]
    if types and ctx.only_qb_ids is None:
        ctx.cache[_AHEAD] = _ask(ctx, types, order=len(ALL_WORKFLOWS))


def _ask(
    ctx: RunContext, types: list[str], order: int | None = None
) -> tuple[datetime, Future[list[dict[str, Any]]]]:
    """When the deletions were asked for, and QuickBooks' answer, on a thread of its own (in
    QuickBooks' queue at `order`, if given)."""
    now = datetime.now(UTC)
    since = deleted_after(ctx.store.get_cursor(CURSOR, "qb"), ctx.settings.overlap, now)

    def ask() -> list[dict[str, Any]]:
        if order is not None:
            ctx.quickbooks.queue.take_place(order)
        return ctx.quickbooks.deleted_transactions(types, since.isoformat(timespec="seconds"))

    pool = ThreadPoolExecutor(1, thread_name_prefix="qb-deletions")
    asked = pool.submit(ask)
    pool.shutdown(wait=False)
    return now, asked


def mark_deletions(ctx: RunContext, enabled: set[str]) -> None:
    types = [t for t, wf in TYPES.items() if wf in enabled]
    ahead = ctx.cache.pop(_AHEAD, None)
    if not types or ctx.only_qb_ids is not None:
        return
    now, asked = ahead or _ask(ctx, types)
    rows = asked.result()
    cursor = ctx.store.get_cursor(CURSOR, "qb")
    newest = cursor
    by_workflow: Marks = {}
    customers: set[str] = set()
    if missed_window(ctx.store.get_cursor(CURSOR, CHECKED), cursor, now):
        _gone_from_lists(ctx, types, {str(r["id"]) for r in rows}, by_workflow, customers)
    for row in rows:
        newest = later(newest, row.get("deletedAt"))
        deleted_from = TYPES.get(str(row.get("transactionType")))
        if deleted_from is None:
            continue
        link = ctx.store.link_by_qb(deleted_from, str(row["id"]))
        # Only records we mirrored: an upsert would otherwise create a bare record.
        if link is None or link.content_hash == DELETED:
            continue
        by_workflow.setdefault(deleted_from, []).append(
            {"id": str(row["id"]), "ref": row.get("refNumber") or row["id"], "sf": link.sf_id or ""}
        )
        customers.add(_customer_of(link))
    gone = [item["id"] for items in by_workflow.values() for item in items]
    note_deleted(ctx.cache, [str(r["id"]) for r in rows] + gone)
    # QuickBooks lists a deleted transaction without its customer, whose balance it moved.
    receivables.note_touched(ctx, customers - {""}, by_deletion=True)
    clean = True
    for wf, items in by_workflow.items():
        definition = workflow(wf)
        for item in items:
            ctx.plan(
                PlannedAction(
                    workflow=wf,
                    action="mark deleted",
                    target="Salesforce",
                    record=item["ref"],
                    qb_id=item["id"],
                    sf_id=item["sf"],
                )
            )
        if ctx.dry_run:
            continue
        results = ctx.salesforce.upsert(
            definition.salesforce_object,
            definition.quickbooks_id_field,
            [deleted_mark(wf, item["id"]) for item in items],
        )
        outcomes: list[ItemOutcome] = []
        links: list[Link] = []
        for item, result in zip(items, results, strict=True):
            if result.get("success"):
                outcomes.append(
                    ItemOutcome(
                        workflow=wf,
                        record_key=item["ref"],
                        outcome=Outcome.UPDATED,
                        qb_id=item["id"],
                        sf_id=item["sf"],
                        code="DELETED_IN_QUICKBOOKS",
                        message="Deleted in QuickBooks; marked so in Salesforce.",
                    )
                )
                links.append(Link(wf, item["id"], item["sf"] or None, DELETED))
            else:
                clean = False  # keep the cursor so the mark is tried again
                code, message, fields = first_error(result)
                plain, details = failure_text(code, message, fields)
                outcomes.append(
                    ItemOutcome(
                        workflow=wf,
                        record_key=item["ref"],
                        outcome=Outcome.FAILED,
                        qb_id=item["id"],
                        sf_id=item["sf"],
                        code=code,
                        message=plain,
                        details=details,
                    )
                )
        ctx.recorder.commit(outcomes, links)
    if clean and not ctx.dry_run:
        if newest:
            ctx.recorder.commit([], cursor=(CURSOR, "qb", newest))
        ctx.recorder.commit([], cursor=(CURSOR, CHECKED, now.isoformat(timespec="seconds")))


def _gone_from_lists(
    ctx: RunContext,
    types: list[str],
    listed: set[str],
    by_workflow: dict[str, list[dict[str, str]]],
    customers: set[str],
) -> None:
    """Linked records QuickBooks' current lists no longer have, beyond those it listed deleted."""
    for kind in types:
        wf = TYPES[kind]
        links = [
            k
            for k in ctx.store.links(wf)
            if k.sf_id and k.content_hash != DELETED and k.qb_id not in listed
        ]
        if not links:
            continue
        present = ctx.quickbooks.find_by_ids(kind, [k.qb_id for k in links])
        for link in links:
            if link.qb_id not in present:
                ref = (link.content or {}).get("Name") or link.qb_id
                by_workflow.setdefault(wf, []).append(
                    {"id": link.qb_id, "ref": str(ref), "sf": link.sf_id or ""}
                )
                customers.add(_customer_of(link))


def _customer_of(link: Link) -> str:
    """The QuickBooks customer id of a mirrored transaction's account, as last written."""
    account = (link.content or {}).get(INVOICE.account_relationship) or {}
    return str(account.get(ACCOUNT.quickbooks_id) or "")
