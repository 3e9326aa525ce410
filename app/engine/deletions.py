"""QuickBooks deletions: the Salesforce mirror is marked "Deleted in QuickBooks", never deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain.outcomes import Outcome
from app.domain.record_mapping import deleted_mark
from app.domain.workflows import workflow
from app.engine.context import RunContext, later, parse_stamp
from app.engine.recorder import ItemOutcome
from app.engine.result import PlannedAction
from app.engine.salesforce_results import failure_text, first_error
from app.store import Link

CURSOR = "deletions"
#: QuickBooks keeps deleted transactions for 90 days.
HORIZON = timedelta(days=89)
DELETED = "deleted"
TYPES = {"invoice": "invoices", "receive_payment": "payments"}


def mark_deletions(ctx: RunContext, enabled: set[str]) -> None:
    types = [t for t, wf in TYPES.items() if wf in enabled]
    if not types or ctx.only_qb_ids is not None:
        return
    cursor = ctx.store.get_cursor(CURSOR, "qb")
    since = parse_stamp(cursor) - ctx.settings.overlap if cursor else datetime.now(UTC) - HORIZON
    rows = ctx.quickbooks.deleted_transactions(types, since.isoformat(timespec="seconds"))
    newest = cursor
    by_workflow: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        newest = later(newest, row.get("deletedAt"))
        wf = TYPES.get(str(row.get("transactionType")))
        if wf is None:
            continue
        link = ctx.store.link_by_qb(wf, str(row["id"]))
        # Only records we mirrored: an upsert would otherwise create a bare record.
        if link is None or link.content_hash == DELETED:
            continue
        by_workflow.setdefault(wf, []).append(
            {"id": str(row["id"]), "ref": row.get("refNumber") or row["id"], "sf": link.sf_id or ""}
        )
    clean = True
    for wf, items in by_workflow.items():
        definition = workflow(wf)
        for item in items:
            ctx.plan(
                PlannedAction(wf, "mark deleted", "Salesforce", item["ref"], item["id"], item["sf"])
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
                        wf,
                        item["ref"],
                        Outcome.UPDATED,
                        item["id"],
                        item["sf"],
                        "DELETED_IN_QUICKBOOKS",
                        "Deleted in QuickBooks; marked so in Salesforce.",
                    )
                )
                links.append(Link(wf, item["id"], item["sf"] or None, DELETED))
            else:
                clean = False  # keep the cursor so the mark is tried again
                code, message, fields = first_error(result)
                plain, details = failure_text(code, message, fields)
                outcomes.append(
                    ItemOutcome(
                        wf,
                        item["ref"],
                        Outcome.FAILED,
                        item["id"],
                        item["sf"],
                        code,
                        plain,
                        details,
                    )
                )
        ctx.recorder.commit(outcomes, links)
    if clean and newest and not ctx.dry_run:
        ctx.recorder.commit([], cursor=(CURSOR, "qb", newest))
