"""The sync run: check -> read -> map/diff -> write -> commit, for the enabled workflows in order.

The engine imports no Qt; the tray and the CLI both drive it, with a progress callback and a
cancel token. One run at a time per data folder, across processes. A run that mirrored invoices
or payments ends with a check of the books (see `app.engine.books`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from app.domain.fieldmap import MappingConfig
from app.domain.matching import MatchProposal, ProposedLink
from app.domain.outcomes import Outcome
from app.domain.workflows import ALL_WORKFLOWS, WorkflowId
from app.engine import (
    account_matching,
    customer_push,
    deletions,
    double_entry,
    ledger_pair,
    pricebooks,
    receivables,
    review,
    specs,
)
from app.engine.books import early
from app.engine.books.after_sync import CHECKED_WORKFLOWS, after_sync
from app.engine.books.compare import reconcile
from app.engine.books.model import Reconciliation
from app.engine.books.repair import record_salesforce_before
from app.engine.books.saved import save
from app.engine.context import (
    ApiReserveReachedError,
    EngineSettings,
    RunContext,
    enabled_workflows,
)
from app.engine.events import CancelToken, ProgressCallback, StepTracker, ignore_progress
from app.engine.failures import failure_for
from app.engine.match_decisions import Decision, Keep, MatchDecisions
from app.engine.mirror import (
    close_readers,
    drop_reader,
    note_run_start,
    read_ahead,
    run_mirror,
)
from app.engine.mirror_chosen import DELETED_IN_QUICKBOOKS, mirror_chosen
from app.engine.mirror_spec import MirrorSpec
from app.engine.recorder import ItemOutcome, RunRecorder
from app.engine.result import RunResult, RunStatus
from app.platform.runlock import RunLock
from app.platform.user import os_user
from app.quickbooks import QuickBooks
from app.salesforce.client import SalesforceClient
from app.store import DatabaseError, RunItem, Store
from app.store.matches import StoredConflict, StoredMatch

log = logging.getLogger(__name__)

__all__ = ["ALL_WORKFLOWS", "SyncEngine"]
#: The workflows whose QuickBooks deletions are marked in one call, after both are mirrored.
TRANSACTIONAL = frozenset(deletions.TYPES.values())
#: The workflows whose records move customers' balances, refreshed after the last of them.
RECEIVABLE = frozenset({WorkflowId.INVOICES, WorkflowId.CREDIT_MEMOS, WorkflowId.PAYMENTS})
INTERRUPTED = (
    "Interrupted: the app stopped before this run finished. What it had done is kept, "
    "and the next sync carried on from there."
)


@dataclass
class SyncEngine:
    store: Store
    quickbooks: QuickBooks
    salesforce: SalesforceClient
    mapping: MappingConfig
    lock_path: Path
    settings: EngineSettings = field(default_factory=EngineSettings)
    reconcile_after_sync: bool = True
    #: The write-ahead log's copy after the last run: (busy, frames, frames copied) once done.
    last_checkpoint: Future[tuple[int, int, int] | None] | None = None

    def enabled_workflows(self) -> list[WorkflowId]:
        return enabled_workflows(self.store)

    # -- runs ---------------------------------------------------------------------------------
    def run(
        self,
        workflows: Sequence[str] | None = None,
        *,
        trigger: str = "cli",
        dry_run: bool = False,
        progress: ProgressCallback = ignore_progress,
        cancel: CancelToken | None = None,
        retry_of: int | None = None,
        only: Mapping[str, Iterable[str]] | None = None,
    ) -> RunResult:
        """`only`: just these QuickBooks ids per workflow, rewritten in Salesforce even when the
        ledger thinks they are unchanged (a reconciliation's fix)."""
        chosen: list[str] = list(workflows or self.enabled_workflows())
        unknown = sorted(set(chosen) - set(ALL_WORKFLOWS))
        if unknown:
            raise ValueError(f"unknown workflow(s): {', '.join(unknown)}")
        with RunLock(self.lock_path, trigger):
            ctx = self._context(trigger, dry_run, progress, cancel)
            if not dry_run:
                self._claim_ledger(ctx, chosen)
            if retry_of is not None:
                self._limit_to_failed(ctx, retry_of)
                chosen = [w for w in chosen if _has(ctx, w)]
            elif only is not None:
                ctx.only_qb_ids = {w: set(ids) for w, ids in only.items()}
                ctx.only_sf_ids = {}
                chosen = [w for w in chosen if _has(ctx, w)]
            result = self._execute(ctx, chosen, lambda: self._workflows(ctx, chosen))
            if self.reconcile_after_sync:
                after_sync(ctx, chosen, result)
            self.last_checkpoint = self.store.checkpoint_soon()
            return result

    def check_books(
        self, *, period: tuple[date, date] | None = None, trigger: str = "reconcile"
    ) -> Reconciliation:
        """Check the books now, on demand (the tray's "Check the books", `qbsf reconcile`).

        Holds the run lock, so it never reads halfway through a sync (RunLockBusyError if one runs).
        """
        with RunLock(self.lock_path, trigger):
            found = reconcile(self.quickbooks, self.salesforce, self.store, period=period)
            save(self.store, found, run_id=None, trigger=trigger)
        return found

    def repair(
        self,
        reconciliation: Reconciliation,
        *,
        trigger: str = "reconcile fix",
        progress: ProgressCallback = ignore_progress,
        cancel: CancelToken | None = None,
    ) -> RunResult | None:
        """Re-sync exactly the records a check listed; None when there is nothing to fix.

        The run checks the books again when it ends, which shows whether the fix took.
        """
        only = reconciliation.fix_ids()
        if not only:
            return None
        result = self.run(list(only), only=only, trigger=trigger, progress=progress, cancel=cancel)
        record_salesforce_before(self.store, reconciliation, result.run_id)
        return result

    def dismiss_duplicate(self, payment_qb_id: str) -> bool:
        """The bookkeeper says a payment flagged as a possible duplicate is correct."""
        return double_entry.dismiss(self.store, payment_qb_id, os_user())

    def preview(self, workflows: Sequence[str] | None = None) -> RunResult:
        return self.run(workflows, trigger="preview", dry_run=True)

    def review_queue(self, *, checks: bool = True) -> list[review.ReviewCandidate]:
        """`checks=False` leaves out the pre-flight checks and their QuickBooks reads."""
        ctx = self._bare_context()
        return review.candidates(ctx, checks=checks)

    def approve(
        self,
        opportunity_ids: Sequence[str],
        *,
        trigger: str = "review",
        progress: ProgressCallback = ignore_progress,
        reviewed: Mapping[str, review.Reviewed] | None = None,
    ) -> RunResult:
        """`reviewed`: each opportunity's invoice as the bookkeeper saw it."""
        with RunLock(self.lock_path, trigger):
            ctx = self._context(trigger, False, progress, None)
            return self._execute(
                ctx,
                [WorkflowId.OPPORTUNITIES],
                lambda: review.approve(ctx, list(opportunity_ids), reviewed),
            )

    def skip(self, opportunity_ids: Sequence[str]) -> None:
        review.skip(self._bare_context(), list(opportunity_ids))

    # -- matching existing records ------------------------------------------------------------
    def match_existing(self) -> MatchProposal:
        """Existing accounts and customers that look like the same company, to link at setup."""
        return account_matching.propose(self.store, self.salesforce, self.quickbooks)

    def link_matches(
        self,
        accepted: Sequence[ProposedLink],
        skipped: Sequence[ProposedLink] = (),
        *,
        trigger: str = "setup",
    ) -> account_matching.LinkedMatches:
        """Link the accepted pairs, remember the skipped ones (RunLockBusyError while a sync
        runs, so a sync never meets half-written links)."""
        with RunLock(self.lock_path, trigger):
            return account_matching.link(self.store, self.salesforce, accepted, skipped)

    def matches_to_confirm(self) -> list[StoredMatch]:
        return self.store.open_matches()

    def conflicts(self) -> list[StoredConflict]:
        return self.store.open_conflicts()

    def confirm_match(
        self, match_id: int, keep_name: Keep | None = None, *, trigger: str = "match"
    ) -> Decision:
        """Links a proposed pair (NameChoiceNeededError when its names differ and no name to
        keep is given); RunLockBusyError while a sync runs."""
        with RunLock(self.lock_path, trigger):
            return self._decisions().confirm(match_id, keep_name)

    def reject_match(self, match_id: int, *, trigger: str = "match") -> Decision:
        with RunLock(self.lock_path, trigger):
            return self._decisions().reject(match_id)

    def resolve_conflict(self, conflict_id: int, keep: Keep, *, trigger: str = "match") -> Decision:
        with RunLock(self.lock_path, trigger):
            return self._decisions().resolve(conflict_id, keep)

    def _decisions(self) -> MatchDecisions:
        return MatchDecisions(self.store, self.salesforce, self.quickbooks, self.mapping, os_user())

    # -- internals ----------------------------------------------------------------------------
    def _bare_context(self) -> RunContext:
        recorder = RunRecorder(self.store, 0, dry_run=True)
        return RunContext(
            self.store,
            self.quickbooks,
            self.salesforce,
            self.mapping,
            self.settings,
            recorder,
            CancelToken(),
            ignore_progress,
            dry_run=True,
        )

    def _context(
        self,
        trigger: str,
        dry_run: bool,
        progress: ProgressCallback,
        cancel: CancelToken | None,
    ) -> RunContext:
        # The run lock is ours, so a run still marked running died with its process.
        self.store.close_unfinished_runs(RunStatus.FAILED.value, INTERRUPTED)
        self.store.forget_old_runs()
        run_id = self.store.start_run(trigger, os_user(), dry_run=dry_run)
        recorder = RunRecorder(self.store, run_id, dry_run=dry_run)
        return RunContext(
            self.store,
            self.quickbooks,
            self.salesforce,
            self.mapping,
            self.settings,
            recorder,
            cancel or CancelToken(),
            progress,
            dry_run=dry_run,
        )

    def _claim_ledger(self, ctx: RunContext, chosen: list[str]) -> None:
        """A ledger of another Salesforce org or Conductor end user is set aside, and the run
        says so: it then writes every record, skipping none."""
        notice = ledger_pair.claim(self.store, ledger_pair.current(self.store, self.quickbooks))
        if notice is not None and chosen:
            text = f"{notice.title}. {notice.what_happened} {notice.what_to_do}"
            ctx.recorder.commit(
                [
                    ItemOutcome(
                        workflow=chosen[0],
                        record_key="ledger",
                        outcome=Outcome.WARNING,
                        code=notice.code,
                        message=text,
                    )
                ]
            )

    def _workflows(self, ctx: RunContext, chosen: list[str]) -> None:
        note_run_start(ctx)  # after the ledger is claimed: its cursors are this company's
        enabled = set(chosen)
        # Deletions of invoices and payments come in one call, after both are mirrored.
        last_transactional = next(
            (w for w in reversed(ALL_WORKFLOWS) if w in enabled & TRANSACTIONAL), None
        )
        last_receivable = next(
            (w for w in reversed(ALL_WORKFLOWS) if w in enabled & RECEIVABLE), None
        )
        # The check after the run reuses what it reads only when the run reads every list.
        asks_early = self.reconcile_after_sync and enabled >= {
            WorkflowId.CUSTOMERS,
            *CHECKED_WORKFLOWS,
        }
        try:
            if WorkflowId.CUSTOMERS in enabled:
                customer_push.read_ahead(ctx)  # asked while the API headroom is checked
            for order, name in enumerate(ALL_WORKFLOWS):
                if name in enabled & _READ_AHEAD.keys():
                    read_ahead(ctx, _READ_AHEAD[name], order)
            deletions.read_ahead(ctx, enabled)
            self._check_headroom(ctx)
            for name in ALL_WORKFLOWS:
                if name not in enabled:
                    continue
                ctx.check_cancel()
                ctx.report(name, "reading")
                self._workflow(ctx, name)
                if name == last_transactional:
                    deletions.mark_deletions(ctx, enabled)
                if name == WorkflowId.CUSTOMERS and asks_early:
                    early.ask_balances(ctx)  # read once the transactions are
                if name == WorkflowId.INVOICES and asks_early:
                    early.ask(ctx)  # meanwhile, QuickBooks is read for the steps after
                if name == last_receivable and WorkflowId.CUSTOMERS in enabled:
                    receivables.refresh_balances(ctx, early.customers_with_balances)
                ctx.report(name, "done")
        finally:
            close_readers(ctx)
            customer_push.close_read_ahead(ctx)
        if ctx.only_qb_ids is None and ctx.only_sf_ids is None and not ctx.dry_run:
            self._retry_outstanding(ctx, enabled)

    def _workflow(self, ctx: RunContext, name: str) -> None:
        _STEPS[WorkflowId(name)](self, ctx)

    def _retry_outstanding(self, ctx: RunContext, enabled: set[str]) -> None:
        """Records that failed in an earlier run and were not read again now are tried again, so
        a fix made since (a validation rule lifted, a lock gone) needs no "Retry failed" click."""
        earlier = [
            item
            for name in ALL_WORKFLOWS
            if name in enabled and name != WorkflowId.OPPORTUNITIES
            for item in self.store.outstanding_failures(name)
            # A record QuickBooks deleted since has nothing left to try.
            if item.run_id != ctx.recorder.run_id and item.code != DELETED_IN_QUICKBOOKS
        ]
        if not earlier:
            return
        _choose(ctx, earlier)
        try:
            for name in ALL_WORKFLOWS:
                if _has(ctx, name):
                    ctx.check_cancel()
                    self._workflow(ctx, name)
        finally:
            ctx.only_qb_ids = ctx.only_sf_ids = None
            ctx.earlier_items = {}

    def _finish_approvals(self, ctx: RunContext) -> None:
        """Approvals interrupted by a crash or a QuickBooks problem are completed, once."""
        approved = [i for i, d in self.store.review_decisions().items() if d == "approved"]
        if approved and not ctx.dry_run:
            review.approve(ctx, approved)

    def _check_headroom(self, ctx: RunContext) -> None:
        limits = ctx.salesforce.limits().get("DailyApiRequests") or {}
        maximum, remaining = int(limits.get("Max") or 0), int(limits.get("Remaining") or 0)
        if maximum and remaining < maximum * ctx.settings.api_reserve:
            raise ApiReserveReachedError(maximum - remaining, maximum)

    def _limit_to_failed(self, ctx: RunContext, run_id: int) -> None:
        _choose(ctx, self.store.run_items(run_id, Outcome.FAILED.value))

    def _execute(self, ctx: RunContext, chosen: list[str], work) -> RunResult:  # type: ignore[no-untyped-def]
        status, error = RunStatus.SUCCEEDED, None
        steps = ctx.progress = StepTracker(ctx.progress)
        try:
            work()
        except Exception as exc:
            failure = failure_for(exc)
            status, error = failure.stop.run_status, failure.run_error
            log.warning("run %s stopped: %s", ctx.recorder.run_id, failure.error.code)
            if steps.current is not None:  # the run's summary names the step it stopped at
                ctx.recorder.counts.setdefault(steps.current, Counter())
        result = RunResult(ctx.recorder.run_id, status, ctx.recorder.counts, error, ctx.planned)
        if status is RunStatus.SUCCEEDED and result.problems:
            result.status = RunStatus.PARTIAL
        message = error.title if error else None
        try:
            self.store.finish_run(
                ctx.recorder.run_id, result.status.value, result.summary(), message
            )
        except DatabaseError as exc:  # the next run closes it as interrupted
            log.error("run %s could not be recorded as finished: %s", ctx.recorder.run_id, exc)
        finished = result.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL)
        for event in steps.ends(chosen, finished=finished, counts=ctx.recorder.counts):
            ctx.progress(event)
        log.info("run %s %s: %s", result.run_id, result.status.value, result.summary())
        return result


def _mirror(ctx: RunContext, spec: MirrorSpec) -> None:
    if ctx.only_qb_ids is None:
        run_mirror(ctx, spec)
    else:
        mirror_chosen(ctx, spec)


def _sync_customers(_engine: SyncEngine, ctx: RunContext) -> None:
    spec = receivables.balance_spec()
    writes = ctx.quickbooks.writes
    customer_push.push_accounts(ctx)
    if ctx.quickbooks.writes != writes:
        drop_reader(ctx, spec)  # the customers are read after Salesforce's changes were written
    # A fix rewrites a chosen balance even when the ledger thinks Salesforce already has it.
    _mirror(ctx, spec)


def _sync_items(_engine: SyncEngine, ctx: RunContext) -> None:
    _mirror(ctx, specs.ITEMS)
    pricebooks.price_items(ctx)


#: The lists the steps read, all started when the run starts in the steps' order, each reader a
#: few pages ahead, so QuickBooks is never idle while Salesforce is written. Customers are read
#: again when their step first wrote Salesforce's accounts to QuickBooks.
_READ_AHEAD: dict[WorkflowId, MirrorSpec] = {
    WorkflowId.CUSTOMERS: receivables.balance_spec(),
    WorkflowId.ITEMS: specs.ITEMS,
    WorkflowId.INVOICES: specs.INVOICES,
    WorkflowId.CREDIT_MEMOS: specs.CREDIT_MEMOS,
    WorkflowId.PAYMENTS: specs.PAYMENTS,
}

#: What syncing each workflow does.
_STEPS: dict[WorkflowId, Callable[[SyncEngine, RunContext], None]] = {
    WorkflowId.CUSTOMERS: _sync_customers,
    WorkflowId.ITEMS: _sync_items,
    WorkflowId.INVOICES: lambda _engine, ctx: _mirror(ctx, specs.INVOICES),
    WorkflowId.CREDIT_MEMOS: lambda _engine, ctx: _mirror(ctx, specs.CREDIT_MEMOS),
    WorkflowId.PAYMENTS: lambda _engine, ctx: _mirror(ctx, double_entry.guarded(specs.PAYMENTS)),
    WorkflowId.OPPORTUNITIES: lambda engine, ctx: engine._finish_approvals(ctx),
}


def _choose(ctx: RunContext, items: Iterable[RunItem]) -> None:
    """Limit the run to the records of these earlier run items."""
    ctx.only_qb_ids, ctx.only_sf_ids, ctx.earlier_items = _ids_by_workflow(items)


def _ids_by_workflow(
    items: Iterable[RunItem],
) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, dict[str, RunItem]]]:
    """QuickBooks ids, Salesforce ids for what Salesforce sends, and the items of the QuickBooks
    ids (which list each was read from), per workflow."""
    qb: dict[str, set[str]] = {}
    sf: dict[str, set[str]] = {}
    earlier: dict[str, dict[str, RunItem]] = {}
    for item in items:
        if item.workflow == WorkflowId.OPPORTUNITIES or (
            item.workflow == WorkflowId.CUSTOMERS and item.sf_id and not item.qb_id
        ):
            sf.setdefault(item.workflow, set()).add(item.sf_id or "")
        elif item.qb_id:
            qb.setdefault(item.workflow, set()).add(item.qb_id)
            earlier.setdefault(item.workflow, {})[item.qb_id] = item
    return qb, sf, earlier


def _has(ctx: RunContext, workflow: str) -> bool:
    return bool((ctx.only_qb_ids or {}).get(workflow) or (ctx.only_sf_ids or {}).get(workflow))
