"""Where the two sides stand after the last syncs: the one answer to "are they in step?". No Qt.

"Up to date" is said only when the last full sync finished with no failed record, no record
is still failing from an earlier run, nothing run since stopped, and the newest check of the
books since that sync agreed. Anything else is a lasting state of its own, named with its fix,
until a later sync succeeds. A preview is not a sync; a retry, an approval or a books fix syncs
only some records, so it can clear failures but never stands for a full sync. The tray, the
`status` command, the demo's terminal run, the result window and the notifications all read it
from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.domain.workflows import WorkflowId
from app.engine.context import enabled_workflows
from app.engine.result import RunStatus
from app.engine.wording import count_of, local_time, step_title, stopped_step
from app.store import ReconciliationRow, Run, Store

#: Runs that sync only chosen records: failed ones again, approved invoices, a books fix.
SOME_RECORDS_TRIGGERS = frozenset({"retry", "review", "tray fix", "reconcile fix"})
#: How far back the store is read for the last full sync.
RUNS_READ = 200
_STOPPED_OR_FAILED = frozenset(
    {RunStatus.NEEDS_ATTENTION.value, RunStatus.STOPPED_LIMIT.value, RunStatus.FAILED.value}
)


class State(StrEnum):
    NEVER_SYNCED = "never_synced"
    IN_STEP = "in_step"
    STOPPED = "stopped"
    CANCELLED = "cancelled"
    FAILED = "failed"
    RECORDS_FAILED = "records_failed"
    BOOKS_DIFFER = "books_differ"
    BOOKS_UNCHECKED = "books_unchecked"
    DECISIONS_WAITING = "decisions_waiting"


class Fix(StrEnum):
    """The one click that deals with a state."""

    SYNC = "sync"  # "Try again" / "Sync now"
    SHOW_FAILED = "show_failed"  # the failed records, in History, with "Retry failed records"
    CHECK_BOOKS = "check_books"  # the differences, in Check the books, with its fix
    DECIDE = "decide"  # matches to confirm and QuickBooks edits, with both values


FIX_LABELS = {
    Fix.SYNC: "Try again",
    Fix.SHOW_FAILED: "Show the failed records",
    Fix.CHECK_BOOKS: "Show the differences in the books",
    Fix.DECIDE: "Show what waits for your decision",
}
#: The same fixes for the terminal: the commands that do them.
FIX_COMMANDS = {
    Fix.SYNC: "run `sync` again once the problem above is dealt with",
    Fix.SHOW_FAILED: "`history` lists the failed records; `sync` tries them again",
    Fix.CHECK_BOOKS: "`reconcile` shows where the books differ and can fix it",
    Fix.DECIDE: "`match list` and `match conflicts` show what waits for your decision, with "
    "both sides' values; `match confirm ID` links a pair and `match resolve ID --keep "
    "quickbooks|salesforce` keeps one side's value",
}


@dataclass(frozen=True)
class Standing:
    state: State
    #: One line for the tray menu, the tooltip and `status`.
    line: str
    #: The run the state comes from (the last full sync, or a later run that stopped).
    run_id: int | None = None
    finished_at: str = ""
    #: Records whose latest outcome is a failure, over the enabled workflows.
    failed: int = 0
    #: The step a stopped or cancelled run stopped at (a workflow id), when known.
    stopped_at: str = ""
    reason: str = ""

    @property
    def in_step(self) -> bool:
        return self.state is State.IN_STEP

    @property
    def fix(self) -> Fix | None:
        return _FIXES.get(self.state)

    @property
    def fix_label(self) -> str:
        return FIX_LABELS[self.fix] if self.fix else ""

    @property
    def fix_command(self) -> str:
        return FIX_COMMANDS[self.fix] if self.fix else ""


_FIXES = {
    State.NEVER_SYNCED: Fix.SYNC,
    State.STOPPED: Fix.SYNC,
    State.CANCELLED: Fix.SYNC,
    State.FAILED: Fix.SYNC,
    State.RECORDS_FAILED: Fix.SHOW_FAILED,
    State.BOOKS_DIFFER: Fix.CHECK_BOOKS,
    State.BOOKS_UNCHECKED: Fix.CHECK_BOOKS,
    State.DECISIONS_WAITING: Fix.DECIDE,
}
#: The workflows whose records a check of the books totals.
_BOOKS_WORKFLOWS = frozenset({WorkflowId.INVOICES, WorkflowId.CREDIT_MEMOS, WorkflowId.PAYMENTS})


# -- the rule ---------------------------------------------------------------------------------
def standing(store: Store, enabled: Sequence[str] | None = None) -> Standing:
    """Where things stand, from the store's runs and books checks alone (quick local reads)."""
    chosen = list(enabled) if enabled is not None else enabled_workflows(store)
    runs = [r for r in store.runs(limit=RUNS_READ) if not r.dry_run and r.finished_at]
    full = next((r for r in runs if is_full_sync(r)), None)
    if full is None:
        return Standing(State.NEVER_SYNCED, "Not synced yet: Sync now to start")
    later = [r for r in runs if r.id > full.id]
    stop = next((r for r in [*later, full] if r.status in _STOPPED_OR_FAILED), None)
    if stop is None and full.status == RunStatus.CANCELLED.value:
        stop = full
    if stop is not None:
        return _stopped(stop, chosen)
    failed = sum(len(store.outstanding_failures(w)) for w in chosen)
    if failed:
        return Standing(
            State.RECORDS_FAILED,
            f"{count_of(failed, 'record')} failed: Show them",
            full.id,
            full.finished_at or "",
            failed=failed,
        )
    waiting = len(store.open_matches()) + len(store.open_conflicts())
    if waiting:
        return Standing(
            State.DECISIONS_WAITING,
            f"{count_of(waiting, 'change')} {'waits' if waiting == 1 else 'wait'} for your "
            "decision: Show them",
            full.id,
            full.finished_at or "",
        )
    books = _books_since(store, full)
    if books is None and _BOOKS_WORKFLOWS & set(chosen):
        return Standing(
            State.BOOKS_UNCHECKED,
            "The books have not been checked since the last sync: Check the books",
            full.id,
            full.finished_at or "",
        )
    if books is not None and not books.clean:
        error = books.body.get("error")
        if error:
            line, state = f"The books could not be checked: {error}", State.BOOKS_UNCHECKED
        else:
            line, state = "The books differ: Check the books shows where", State.BOOKS_DIFFER
        return Standing(state, line, full.id, full.finished_at or "", reason=str(error or ""))
    when = local_time(full.finished_at)
    return Standing(
        State.IN_STEP, f"Up to date (last sync {when})", full.id, full.finished_at or ""
    )


def is_full_sync(run: Run) -> bool:
    return not run.dry_run and run.trigger not in SOME_RECORDS_TRIGGERS


def _stopped(run: Run, chosen: Sequence[str]) -> Standing:
    step = stopped_step(run.summary or {}, chosen)
    reason = run.message or ""
    at = f" at {step_title(step)}" if step else ""
    if run.status == RunStatus.CANCELLED.value:
        state, line = State.CANCELLED, f"Last sync cancelled{at}: Sync now to finish it"
    elif run.status == RunStatus.FAILED.value:
        state, line = State.FAILED, f"Last sync failed{at}" + (f": {reason}" if reason else "")
    else:
        state, line = State.STOPPED, f"Last sync stopped{at}" + (f": {reason}" if reason else "")
    return Standing(state, line, run.id, run.finished_at or "", stopped_at=step, reason=reason)


def _books_since(store: Store, full: Run) -> ReconciliationRow | None:
    """The newest check of the books made with or after the last full sync."""
    last = store.last_reconciliation()
    if last is None:
        return None
    if last.run_id is not None and last.run_id >= full.id:
        return last
    if last.run_id is None and last.created_at >= (full.started_at or ""):
        return last
    return None
