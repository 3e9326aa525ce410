"""What the tray knows and what it can do: runs, checks and the review queue, all in the background.

Windows ask the controller; it starts the work on a worker thread and answers with signals on the
GUI thread. It keeps the facts the tray status is drawn from (see `app.ui.status`).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.context import AppContext
from app.domain.user_error import UserError
from app.engine.books.model import Reconciliation
from app.engine.engine import SyncEngine
from app.engine.events import CancelToken, Progress
from app.engine.health import Health, Status, check_configured, status_for
from app.engine.match_decisions import Decision
from app.engine.result import RunResult, RunStatus
from app.engine.review import ReviewCandidate, Reviewed, unskip
from app.engine.standing import Standing, standing
from app.engine.wording import step_title
from app.store.settings import CONDUCTOR_END_USER_ID, SALESFORCE_INSTANCE_URL
from app.ui.engine_provider import EngineProvider
from app.ui.errors import NOT_CONNECTED_CODE, user_error_for
from app.ui.status import TrayFacts, present
from app.ui.workers import Background

log = logging.getLogger(__name__)


class RunKind(StrEnum):
    SYNC = "sync"
    PREVIEW = "preview"
    RETRY = "retry"
    APPROVE = "approve"

    @property
    def title(self) -> str:
        return {
            RunKind.SYNC: "Syncing",
            RunKind.PREVIEW: "Preparing the preview",
            RunKind.RETRY: "Retrying the failed records",
            RunKind.APPROVE: "Creating the approved invoices",
        }[self]


#: Another run held the lock: says nothing about the connections.
BUSY_CODE = "local.run_in_progress"


def run_error_status(error: UserError) -> Status:
    if error.code.startswith(NOT_CONNECTED_CODE):
        return Status.NOT_SET_UP
    return status_for(error)


def is_set_up(settings: dict[str, Any]) -> bool:
    return bool(CONDUCTOR_END_USER_ID.read(settings) and SALESFORCE_INSTANCE_URL.read(settings))


def standing_of(ctx: AppContext) -> Standing:
    """Where the two sides stand (local reads of runs and books checks only)."""
    return standing(ctx.store)


class Controller(QObject):
    facts_changed = Signal(object)  # TrayFacts
    run_started = Signal(str)  # RunKind
    run_progress = Signal(object)  # engine Progress
    run_finished = Signal(str, object)  # RunKind, RunResult
    run_failed = Signal(str, object)  # RunKind, UserError: the run could not start or crashed
    checked = Signal(object)  # engine.health.Health
    check_started = Signal()

    def __init__(
        self,
        ctx: AppContext,
        provider: EngineProvider | None = None,
        background: Background | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.provider = provider or EngineProvider(ctx)
        self.background = background or Background(self)
        self.facts = TrayFacts()
        self.running: RunKind | None = None
        self.checking = False
        self._cancel: CancelToken | None = None
        #: Thread ids the background work ran on, newest last; tests compare them to the GUI's.
        self.worker_threads: deque[int] = deque(maxlen=64)
        self.refresh()

    # -- facts --------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read what the store says (settings and the last run); quick local reads."""
        settings = self.ctx.store.settings()
        self._update(set_up=is_set_up(settings), standing=standing_of(self.ctx))

    def _update(self, **changes: Any) -> None:
        facts = replace(self.facts, **changes)
        if facts != self.facts:
            self.facts = facts
            self.facts_changed.emit(facts)

    @property
    def view(self):  # type: ignore[no-untyped-def]
        return present(self.facts)

    def settings_changed(self) -> None:
        self.provider.reset()
        self.refresh()

    # -- background plumbing --------------------------------------------------------------------
    def _engine_work(self, work: Callable[[SyncEngine, Callable[[object], None]], Any]):  # type: ignore[no-untyped-def]
        def run(report: Callable[[object], None]) -> Any:
            self.worker_threads.append(threading.get_ident())
            return work(self.provider.get(), report)

        return run

    # -- runs ---------------------------------------------------------------------------------
    def start_run(
        self,
        kind: RunKind = RunKind.SYNC,
        *,
        retry_of: int | None = None,
        opportunity_ids: Sequence[str] = (),
        reviewed: Mapping[str, Reviewed] | None = None,
        workflows: Sequence[str] | None = None,
        trigger: str = "tray",
    ) -> bool:
        """False when a run is already going (the caller shows that one instead). `reviewed`:
        the invoices the bookkeeper approved, as shown."""
        if self.running is not None:
            return False
        cancel = CancelToken()
        self._cancel, self.running = cancel, kind

        def work(engine: SyncEngine, report: Callable[[object], None]) -> RunResult:
            if kind is RunKind.PREVIEW:
                return engine.run(workflows, trigger="preview", dry_run=True, progress=report)
            if kind is RunKind.APPROVE:
                return engine.approve(list(opportunity_ids), progress=report, reviewed=reviewed)
            return engine.run(
                workflows, trigger=trigger, progress=report, cancel=cancel, retry_of=retry_of
            )

        self._update(syncing=kind is not RunKind.PREVIEW, activity="")
        self.run_started.emit(kind.value)
        self.background.start(
            self._engine_work(work),
            name=f"run-{kind.value}",
            on_progress=self._on_progress,
            on_result=lambda result: self._on_run_result(kind, result),
            on_error=lambda exc: self._on_run_error(kind, exc),
        )
        return True

    def cancel_run(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel is not None and self._cancel.cancelled

    def _on_progress(self, event: Progress) -> None:
        if self.running is not None and self.running is not RunKind.PREVIEW:
            counted = f"{event.done} of {event.total}" if event.total else str(event.done or "")
            self._update(activity=f"{step_title(event.workflow)} {counted}".strip())
        self.run_progress.emit(event)

    def _on_run_result(self, kind: RunKind, result: RunResult) -> None:
        self.running, self._cancel = None, None
        problem, problem_status = self.facts.problem, self.facts.problem_status
        if result.status is RunStatus.STOPPED_LIMIT and result.error is not None:
            problem, problem_status = result.error, Status.NEEDS_ATTENTION
        elif result.status is RunStatus.NEEDS_ATTENTION and result.error is not None:
            problem, problem_status = result.error, status_for(result.error)
        elif result.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL):
            problem, problem_status = None, None
        self._update(syncing=False, activity="", problem=problem, problem_status=problem_status)
        if kind is not RunKind.PREVIEW:
            self._update(standing=standing_of(self.ctx))
        self.run_finished.emit(kind.value, result)

    def _on_run_error(self, kind: RunKind, exc: BaseException) -> None:
        self.running, self._cancel = None, None
        error = user_error_for(exc)
        self._update(syncing=False, activity="", standing=standing_of(self.ctx))
        if error.code != BUSY_CODE:
            self._update(problem=error, problem_status=run_error_status(error))
        self.run_failed.emit(kind.value, error)

    # -- connection checks ----------------------------------------------------------------------
    def check_connection(self, *, schema: bool = True) -> bool:
        """False when a check or a run is already going."""
        if self.checking or self.running is not None:
            return False
        self.checking = True
        self.check_started.emit()

        def work(_report: Callable[[object], None]) -> Health:
            self.worker_threads.append(threading.get_ident())
            return check_configured(
                self.ctx.store,
                self.ctx.credentials,
                self.ctx.paths.data_dir,
                mapping_file=self.ctx.paths.mapping_file,
                schema=schema,
            )

        self.background.start(
            work, name="check-connection", on_result=self._on_checked, on_error=self._check_failed
        )
        return True

    def _on_checked(self, health: Health) -> None:
        self.checking = False
        if health.status in (Status.HEALTHY, Status.SYNCING) or health.error is None:
            self._update(problem=None, problem_status=None)
        else:
            self._update(problem=health.error, problem_status=health.status)
        self.refresh()
        self.checked.emit(health)

    def _check_failed(self, exc: BaseException) -> None:
        self.checking = False
        error = user_error_for(exc)
        self._update(problem=error, problem_status=status_for(error))
        self.checked.emit(Health(status_for(error), error.title, error))

    # -- review queue ---------------------------------------------------------------------------
    def load_review(
        self,
        on_done: Callable[[list[ReviewCandidate]], None],
        on_error: Callable[[UserError], None],
        owner: QObject | None = None,
    ) -> None:
        def loaded(candidates: list[ReviewCandidate]) -> None:
            waiting = [c for c in candidates if c.decision is None]
            self._update(review_count=len(waiting))
            on_done(candidates)

        self.background.start(
            self._engine_work(lambda engine, _report: engine.review_queue()),
            name="review-queue",
            on_result=loaded,
            on_error=lambda exc: on_error(user_error_for(exc)),
            owner=owner,
        )

    # -- the books -----------------------------------------------------------------------------
    def check_books(
        self,
        on_done: Callable[[Reconciliation], None],
        on_error: Callable[[UserError], None],
        owner: QObject | None = None,
    ) -> None:
        self.background.start(
            self._engine_work(lambda engine, _report: engine.check_books(trigger="tray")),
            name="check-books",
            on_result=self._books_checked(on_done),
            on_error=lambda exc: on_error(user_error_for(exc)),
            owner=owner,
        )

    def repair_books(
        self,
        reconciliation: Reconciliation,
        on_done: Callable[[Reconciliation], None],
        on_error: Callable[[UserError], None],
        owner: QObject | None = None,
    ) -> None:
        def work(engine: SyncEngine, _report: Callable[[object], None]) -> Reconciliation:
            engine.repair(reconciliation, trigger="tray fix")
            return engine.check_books(trigger="tray")

        self.background.start(
            self._engine_work(work),
            name="repair-books",
            on_result=self._books_checked(on_done),
            on_error=lambda exc: on_error(user_error_for(exc)),
            owner=owner,
        )

    def _books_checked(
        self, on_done: Callable[[Reconciliation], None]
    ) -> Callable[[Reconciliation], None]:
        def done(reconciliation: Reconciliation) -> None:
            self._update(standing=standing_of(self.ctx))
            on_done(reconciliation)

        return done

    def refresh_review_count(self) -> None:
        """Counts the invoices waiting for approval, for the menu; quiet when it cannot."""
        self.load_review(lambda _candidates: None, lambda _error: None)
        self.refresh_matches_count()

    # -- matches to confirm and conflicts ----------------------------------------------------
    def refresh_matches_count(self) -> None:
        """Matches and conflicts waiting, for the menu (the local database only)."""
        store = self.ctx.store
        self._update(matches_count=len(store.open_matches()) + len(store.open_conflicts()))

    def decide_match(
        self,
        decide: Callable[[SyncEngine], Decision],
        on_done: Callable[[Decision], None],
        on_error: Callable[[UserError], None],
        owner: QObject | None = None,
    ) -> None:
        """Applies one decision of the Matches to confirm window, away from the GUI thread."""

        def done(decision: Decision) -> None:
            self.refresh_matches_count()
            on_done(decision)

        self.background.start(
            self._engine_work(lambda engine, _report: decide(engine)),
            name="match-decision",
            on_result=done,
            on_error=lambda exc: on_error(user_error_for(exc)),
            owner=owner,
        )

    def skip(
        self,
        ids: Sequence[str],
        on_done: Callable[[object], None],
        on_error: Callable[[UserError], None],
        owner: QObject | None = None,
    ) -> None:
        chosen = list(ids)
        self.background.start(
            self._engine_work(lambda engine, _report: engine.skip(chosen)),
            name="review-skip",
            on_result=on_done,
            on_error=lambda exc: on_error(user_error_for(exc)),
            owner=owner,
        )

    def unskip(
        self,
        ids: Sequence[str],
        on_done: Callable[[object], None],
        on_error: Callable[[UserError], None],
        owner: QObject | None = None,
    ) -> None:
        """Skipped opportunities back in the review queue."""
        chosen = list(ids)
        self.read(
            lambda ctx: unskip(ctx.store, chosen),
            on_done,
            on_error,
            name="review-unskip",
            owner=owner,
        )

    # -- local reads in the background --------------------------------------------------------
    def read(
        self,
        read: Callable[[AppContext], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[UserError], None],
        *,
        name: str = "read",
        owner: QObject | None = None,
    ) -> None:
        def work(_report: Callable[[object], None]) -> Any:
            self.worker_threads.append(threading.get_ident())
            return read(self.ctx)

        self.background.start(
            work,
            name=name,
            on_result=on_done,
            on_error=lambda e: on_error(user_error_for(e)),
            owner=owner,
        )
