"""The check of the books the engine records after every sync that mirrored invoices, credit
memos or payments.

QuickBooks is not read again for what the sync just read: QuickBooks' side of the last check is
brought up to date with the records the sync read (and the deletions it marked), and only
Salesforce is asked, in aggregate. That needs every change since the last check to have been
read: the sync read every list the check compares, and the kept side was taken at the run just
before it (or the sync read every list whole). Without such a kept side only the lists the sync
did not read whole are read now; when the figures disagree, QuickBooks is read whole (a full
check), and after `kept_side.MAX_AGE` the kept side is no longer used.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime

from app.domain.workflows import WorkflowId
from app.engine.books import early as early_answers
from app.engine.books.compare import compare, reconcile
from app.engine.books.early import EARLY, EarlyAnswers
from app.engine.books.kept_side import KeptSide, keep, kept, last_run_id
from app.engine.books.model import Comparison, Reconciliation, Totals, default_period
from app.engine.books.quickbooks_side import CUSTOMER, KINDS, QuickBooksSide, read_kinds
from app.engine.books.saved import save
from app.engine.books.sync_reads import READS, SyncReads
from app.engine.context import RunContext
from app.engine.events import Progress
from app.engine.result import RunResult, RunStatus
from app.quickbooks import QuickBooksError
from app.salesforce.errors import SalesforceError

log = logging.getLogger(__name__)
#: The workflows whose records the books check totals.
CHECKED_WORKFLOWS = frozenset({WorkflowId.INVOICES, WorkflowId.CREDIT_MEMOS, WorkflowId.PAYMENTS})

#: The name progress reports give the check that follows a sync.
PROGRESS = "reconciliation"


def after_sync(ctx: RunContext, workflows: Sequence[str], result: RunResult) -> None:
    """The reconciliation the engine records after a sync of invoices, credit memos or payments."""
    early = ctx.cache.pop(EARLY, None)
    finished = result.status in {RunStatus.SUCCEEDED, RunStatus.PARTIAL}
    if ctx.dry_run or not finished or not CHECKED_WORKFLOWS & set(workflows):
        ctx.cache.pop(READS, None)
        return
    ctx.progress(Progress(PROGRESS, "checking"))
    try:
        reconciliation = _after_sync(ctx, workflows, result, early)
    except (QuickBooksError, SalesforceError) as exc:
        log.info("reconciliation after run %s could not finish: %s", result.run_id, exc)
        reconciliation = _failed(default_period(), str(exc.user_error.title))
    save(ctx.store, reconciliation, run_id=result.run_id, trigger="after sync")
    ctx.progress(Progress(PROGRESS, "done", 1, 1, message=reconciliation.headline()))


def _after_sync(
    ctx: RunContext,
    workflows: Sequence[str],
    result: RunResult,
    early: EarlyAnswers | None,
) -> Reconciliation:
    checked = _from_what_was_read(ctx, workflows, result, early)
    # Read whole once nothing is held of what the sync read: 100,000 open invoices, kept slim,
    # are some seventy megabytes a copy.
    return checked if checked is not None else reconcile(ctx.quickbooks, ctx.salesforce, ctx.store)


def _from_what_was_read(
    ctx: RunContext,
    workflows: Sequence[str],
    result: RunResult,
    early: EarlyAnswers | None,
) -> Reconciliation | None:
    """The check from the side kept and what the sync read; None when that cannot tell
    (QuickBooks is then read whole)."""
    reads: SyncReads | None = ctx.cache.pop(READS, None)
    period = default_period()
    earlier = kept(ctx.store)
    found = _up_to_date(ctx, workflows, result, reads, earlier, period[0])
    if found is None:
        return None
    side, read_at = found
    checked = compare(
        ctx.quickbooks,
        ctx.salesforce,
        ctx.store,
        side,
        period,
        deletions_since=earlier.deletions_through if earlier is not None else None,
        early=early,
    )
    if not checked.clean:
        return None
    checked.reused_from = result.run_id
    keep(ctx.store, KeptSide(side, result.run_id, read_at, checked.deletions_through))
    return checked


def _up_to_date(
    ctx: RunContext,
    workflows: Sequence[str],
    result: RunResult,
    reads: SyncReads | None,
    earlier: KeptSide | None,
    start: date,
) -> tuple[QuickBooksSide, datetime] | None:
    """QuickBooks' side as it is now, from the kept side and what the sync read; None when
    that cannot be known without reading QuickBooks."""
    covered = {WorkflowId.CUSTOMERS, *CHECKED_WORKFLOWS} <= set(workflows)
    if reads is None or not covered or ctx.only_qb_ids is not None:
        return None
    if reads.whole >= set(KINDS):
        return reads.side, datetime.now(UTC)
    if (
        earlier is None
        or reads.deleted is None
        or not earlier.fresh
        or earlier.side.since > start.isoformat()
        or earlier.after_run != last_run_id(ctx.store, before=result.run_id)
    ):
        # Only the lists the sync did not read whole are read now (or were, early).
        kinds = [k for k in KINDS if k not in reads.whole]
        read_early = early_answers.balances(ctx) if CUSTOMER in kinds else None
        if read_early is not None:
            reads.side.forget(CUSTOMER)
            reads.side.merge(CUSTOMER, read_early, ())
            kinds.remove(CUSTOMER)
        read_kinds(ctx.quickbooks, reads.side, kinds)
        return reads.side, datetime.now(UTC)
    return reads.onto(earlier.side), earlier.read_at


def _failed(period: tuple[date, date], error: str) -> Reconciliation:
    nothing = Comparison(quickbooks=Totals(), salesforce=Totals())
    return Reconciliation(
        checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
        period_from=period[0],
        period_to=period[1],
        open_invoices=nothing,
        payments=nothing,
        error=error,
    )
