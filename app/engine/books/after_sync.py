"""The check of the books the engine records after every sync that mirrored invoices or payments.

When that sync found nothing new in QuickBooks since the last clean check, QuickBooks' figures
cannot have moved, so only Salesforce is asked again (one aggregate query for the open
invoices); any disagreement leads to a full check.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime

from app.domain.outcomes import Outcome
from app.domain.workflows import WorkflowId
from app.engine.books import salesforce_side
from app.engine.books.compare import possible_duplicates, reconcile
from app.engine.books.model import Comparison, Reconciliation, Totals, default_period
from app.engine.books.presence import missing_in_salesforce
from app.engine.books.saved import save
from app.engine.context import RunContext
from app.engine.events import Progress
from app.engine.result import RunResult, RunStatus
from app.quickbooks import QuickBooksError
from app.salesforce.errors import SalesforceError
from app.store import ReconciliationRow, Store

log = logging.getLogger(__name__)
#: The workflows whose records the books check totals.
CHECKED_WORKFLOWS = frozenset({WorkflowId.INVOICES, WorkflowId.PAYMENTS})

#: The name progress reports give the check that follows a sync.
PROGRESS = "reconciliation"


def after_sync(ctx: RunContext, workflows: Sequence[str], result: RunResult) -> None:
    """The reconciliation the engine records after a sync of invoices or payments."""
    finished = result.status in {RunStatus.SUCCEEDED, RunStatus.PARTIAL}
    if ctx.dry_run or not finished or not CHECKED_WORKFLOWS & set(workflows):
        return
    ctx.progress(Progress(PROGRESS, "checking"))
    try:
        reconciliation = _after_sync(ctx, workflows, result)
    except (QuickBooksError, SalesforceError) as exc:
        log.info("reconciliation after run %s could not finish: %s", result.run_id, exc)
        reconciliation = _failed(default_period(), str(exc.user_error.title))
    save(ctx.store, reconciliation, run_id=result.run_id, trigger="after sync")
    ctx.progress(Progress(PROGRESS, "done", 1, 1, message=reconciliation.headline()))


def _after_sync(ctx: RunContext, workflows: Sequence[str], result: RunResult) -> Reconciliation:
    last = _reusable(ctx.store, workflows, result)
    if last is not None:
        previous = Reconciliation.from_row(last)
        now = salesforce_side.open_total(ctx.salesforce)
        if now == previous.open_invoices.quickbooks and not missing_in_salesforce(
            ctx.quickbooks, ctx.salesforce, ctx.store
        ):
            return Reconciliation(
                checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
                period_from=previous.period_from,
                period_to=previous.period_to,
                open_invoices=Comparison(
                    quickbooks=previous.open_invoices.quickbooks, salesforce=now
                ),
                payments=previous.payments,
                customers_compared=previous.customers_compared,
                possible_duplicates=possible_duplicates(ctx.store),
                reused_from=last.id,
            )
    return reconcile(ctx.quickbooks, ctx.salesforce, ctx.store)


def _reusable(
    store: Store, workflows: Sequence[str], result: RunResult
) -> ReconciliationRow | None:
    """The last reconciliation, if it was clean and nothing could have moved QuickBooks'
    figures since: it followed the previous run, and this one saw no invoice or payment change."""
    if not set(workflows) >= CHECKED_WORKFLOWS:
        return None
    for workflow in CHECKED_WORKFLOWS:
        counts = result.counts.get(workflow, {})
        if any(n for outcome, n in counts.items() if outcome != Outcome.UNCHANGED.value):
            return None
    last = store.last_reconciliation()
    if last is None or not last.clean or last.run_id is None:
        return None
    previous = next(
        (r for r in store.runs(limit=20) if r.id < result.run_id and not r.dry_run), None
    )
    if previous is None or previous.id != last.run_id:
        return None
    return last


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
