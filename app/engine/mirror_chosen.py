"""Re-syncing chosen QuickBooks records (retry-failed, a fix of the books, failures a later sync
tries again): each read from the QuickBooks list it came from, rewritten even when the ledger
thinks Salesforce already has it, and reported when QuickBooks no longer has it."""

from __future__ import annotations

from app.domain.outcomes import Outcome
from app.domain.record_mapping import deleted_mark
from app.domain.workflows import workflow
from app.engine.books.lookup import records_by_kind
from app.engine.context import RunContext
from app.engine.deletions import DELETED
from app.engine.mirror import run_mirror
from app.engine.mirror_spec import MirrorSpec
from app.engine.recorder import ItemOutcome
from app.engine.result import PlannedAction
from app.engine.salesforce_results import failure_text, first_error
from app.store import Link

#: The code of a chosen record QuickBooks no longer has.
DELETED_IN_QUICKBOOKS = "DELETED_IN_QUICKBOOKS"
GONE = "Deleted in QuickBooks since it was last read, so there is nothing to sync."
GONE_KEPT = "Deleted in QuickBooks since it was last read; the Salesforce record is left as it is."
ALREADY_MARKED = "Deleted in QuickBooks; Salesforce already shows it so."


def mirror_chosen(ctx: RunContext, spec: MirrorSpec) -> None:
    """Mirror exactly the chosen QuickBooks ids of `spec`'s workflow."""
    assert ctx.only_qb_ids is not None
    chosen = sorted(ctx.only_qb_ids.get(spec.workflow, set()))
    if not chosen:
        return
    earlier = ctx.earlier_items.get(spec.workflow, {})
    known = {qb_id: item.resource for qb_id, item in earlier.items() if item.resource}
    found = records_by_kind(ctx.quickbooks, spec.kinds, chosen, known)
    present = {qb_id for records in found.values() for qb_id in records}
    if not ctx.dry_run:
        ctx.store.forget_hashes(spec.link_key, sorted(present))
    ctx.only_qb_ids[spec.workflow] = present
    run_mirror(ctx, spec, found)
    _report_gone(ctx, spec, [i for i in chosen if i not in present])


def _report_gone(ctx: RunContext, spec: MirrorSpec, qb_ids: list[str]) -> None:
    """A mirror QuickBooks' record left behind is marked deleted where the object has a status;
    every other chosen id QuickBooks no longer has is reported on its record."""
    if not qb_ids:
        return
    links = ctx.store.links_by_qb(spec.link_key, qb_ids)
    markable = (
        [
            link
            for link in links.values()
            if link.sf_id and link.content_hash != DELETED  # an upsert would create one
        ]
        if workflow(spec.workflow).status_field
        else []
    )
    _mark_gone(ctx, spec, markable)
    marked = {link.qb_id for link in markable}
    earlier = ctx.earlier_items.get(spec.workflow, {})
    outcomes = []
    for qb_id in qb_ids:
        if qb_id in marked:
            continue
        link = links.get(qb_id)
        label = earlier[qb_id].record_key if qb_id in earlier else qb_id
        if link is not None and link.content_hash == DELETED:
            outcome, message = Outcome.SKIPPED, ALREADY_MARKED
        else:
            outcome = Outcome.FAILED
            message = GONE_KEPT if link is not None and link.sf_id else GONE
            ctx.plan(
                PlannedAction(
                    workflow=spec.workflow,
                    action="problem",
                    target="Salesforce",
                    record=label,
                    qb_id=qb_id,
                    sf_id=link.sf_id if link else None,
                    detail=message,
                )
            )
        outcomes.append(
            ItemOutcome(
                workflow=spec.workflow,
                record_key=label,
                outcome=outcome,
                qb_id=qb_id,
                sf_id=link.sf_id if link else None,
                code=DELETED_IN_QUICKBOOKS,
                message=message,
            )
        )
    ctx.recorder.commit(outcomes)


def _mark_gone(ctx: RunContext, spec: MirrorSpec, links: list[Link]) -> None:
    if not links:
        return
    for link in links:
        ctx.plan(
            PlannedAction(
                workflow=spec.workflow,
                action="mark deleted",
                target="Salesforce",
                record=link.qb_id,
                qb_id=link.qb_id,
                sf_id=link.sf_id,
            )
        )
    if ctx.dry_run:
        return
    results = ctx.salesforce.upsert(
        spec.sobject, spec.external_field, [deleted_mark(spec.workflow, k.qb_id) for k in links]
    )
    outcomes: list[ItemOutcome] = []
    marked: list[Link] = []
    for link, result in zip(links, results, strict=True):
        if result.get("success"):
            outcomes.append(
                ItemOutcome(
                    workflow=spec.workflow,
                    record_key=link.qb_id,
                    outcome=Outcome.UPDATED,
                    qb_id=link.qb_id,
                    sf_id=link.sf_id,
                    code=DELETED_IN_QUICKBOOKS,
                    message="Deleted in QuickBooks; marked so in Salesforce.",
                )
            )
            marked.append(Link(spec.link_key, link.qb_id, link.sf_id, DELETED))
        else:
            code, message, fields = first_error(result)
            plain, details = failure_text(code, message, fields)
            outcomes.append(
                ItemOutcome(
                    workflow=spec.workflow,
                    record_key=link.qb_id,
                    outcome=Outcome.FAILED,
                    qb_id=link.qb_id,
                    sf_id=link.sf_id,
                    code=code,
                    message=plain,
                    details=details,
                )
            )
    ctx.recorder.commit(outcomes, marked)
