"""A run as it goes: a bar and counts per workflow and Cancel; then the summary, and history."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.user_error import ErrorAction, UserError
from app.engine.events import DONE, NOT_RUN, STOPPED, Progress
from app.engine.result import FINISHED, RunResult, RunStatus
from app.engine.standing import Standing, State
from app.engine.wording import count_of, outcomes_text, step_title
from app.ui.controller import Controller, RunKind

_PHASES = {
    "checking": "checking",
    "reading": "reading",
    "writing": "writing",
    "committing": "saving",
    DONE: "done",
    STOPPED: "stopped here",
    NOT_RUN: "not run",
}
#: What the bar itself says once a step has ended.
_BAR_TEXT = {DONE: "done", STOPPED: "stopped", NOT_RUN: "not run"}
TRY_AGAIN = "Try again"
SIGN_IN_AGAIN = ErrorAction.RECONNECT_SALESFORCE.label


def run_outcome_text(result: RunResult, standing: Standing | None, review_count: int = 0) -> str:
    """What to make of a finished run, beyond the counts the rows already show; "in step" only
    when the standing says so."""
    parts = []
    if result.error is not None:
        parts.append(f"{result.error.what_happened} {result.error.what_to_do}")
        if result.error.retryable:
            parts.append(f"{TRY_AGAIN} checks the connection, then syncs again.")
    elif result.status is RunStatus.CANCELLED:
        parts.append(f"Everything done before the cancel is kept; {TRY_AGAIN} carries on.")
    if result.problems:
        parts.append(
            f"{count_of(result.problems, 'record')} not synced. Show records in history lists "
            "each with the reason; Retry failed records there runs just those again."
        )
    if standing is not None and result.status in FINISHED and not result.problems:
        parts.append(_standing_text(standing))
    if review_count:
        parts.append(review_waiting_text(review_count))
    return " ".join(parts)


def review_waiting_text(count: int) -> str:
    """'3 won opportunities wait for your review…': invoices the sync will not create alone."""
    waiting = count_of(count, "won opportunity", "won opportunities")
    verb = "waits" if count == 1 else "wait"
    return (
        f"{waiting} {verb} for your review before becoming QuickBooks invoices: "
        "Review invoices to create in the tray menu."
    )


def _standing_text(standing: Standing) -> str:
    if standing.in_step:
        return "Both sides are in step."
    if standing.state is State.RECORDS_FAILED:
        return f"{standing.line.split(':')[0]} in earlier syncs: Show them in history."
    if standing.state in (State.BOOKS_DIFFER, State.BOOKS_UNCHECKED):
        return f"{standing.line}. Check the books lists what differs and fixes it."
    return f"Not in step yet: {standing.line}."


class _Row:
    def __init__(self, grid: QGridLayout, row: int, workflow_id: str) -> None:
        self.name = QLabel(step_title(workflow_id))
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(True)
        self.note = QLabel("")
        self.note.setMinimumWidth(220)
        self.note.setWordWrap(True)
        #: How the step ended ("done", "stopped", "not run"); empty while it runs.
        self.ended = ""
        grid.addWidget(self.name, row, 0)
        grid.addWidget(self.bar, row, 1)
        grid.addWidget(self.note, row, 2)

    def show(self, event: Progress) -> None:
        if event.phase == DONE:
            done = max(event.done, self.bar.value(), 1)
            self.bar.setRange(0, done)
            self.bar.setValue(done)
        elif event.phase in (STOPPED, NOT_RUN):
            self.bar.setRange(0, max(self.bar.maximum(), 1))
            self.bar.setValue(max(self.bar.value(), 0))
        elif event.total:
            self.bar.setRange(0, event.total)
            self.bar.setValue(min(event.done, event.total))
        else:
            self.bar.setRange(0, 0)
        self.ended = event.phase if event.phase in _BAR_TEXT else ""
        self.bar.setFormat(_BAR_TEXT.get(event.phase, "%p%"))
        phase = _PHASES.get(event.phase, event.phase)
        counted = outcomes_text(event.counts)
        self.note.setText(f"{phase}: {counted}" if counted else phase)


class ProgressWindow(QDialog):
    def __init__(
        self,
        controller: Controller,
        *,
        open_history: Callable[[int], None],
        show_error: Callable[[UserError], None],
        try_again: Callable[[], None] | None = None,
        sign_in: Callable[[], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self._open_history = open_history
        self._show_error = show_error
        self._try_again = try_again
        self._sign_in = sign_in
        self.result: RunResult | None = None
        self.error: UserError | None = None
        self.setWindowTitle("Sync")
        self.setMinimumWidth(560)

        self.heading = QLabel("")
        self.heading.setWordWrap(True)
        self.rows_box = QWidget()
        self.grid = QGridLayout(self.rows_box)
        self.grid.setColumnStretch(1, 1)
        self.rows: dict[str, _Row] = {}
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.details_button = QPushButton("What to do…")
        self.details_button.clicked.connect(self._show_details)
        self.history_button = QPushButton("Show records in history")
        self.history_button.clicked.connect(self._history)
        self.try_again_button = QPushButton(TRY_AGAIN)
        self.try_again_button.clicked.connect(self.try_again)
        self.sign_in_button = QPushButton(SIGN_IN_AGAIN)
        self.sign_in_button.clicked.connect(self.sign_in)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (
            self.details_button,
            self.history_button,
            self.sign_in_button,
            self.try_again_button,
            self.cancel_button,
            self.close_button,
        ):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.rows_box)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        layout.addLayout(buttons)

        controller.run_started.connect(self._started)
        controller.run_progress.connect(self._progress)
        controller.run_finished.connect(self._finished)
        controller.run_failed.connect(self._failed)
        controller.facts_changed.connect(self._facts_changed)
        if controller.running is not None:
            self._started(controller.running.value)
        else:
            self._set_finished_buttons(False, None)

    # -- controller events ----------------------------------------------------------------------
    def _started(self, kind: str) -> None:
        if kind == RunKind.PREVIEW:
            return
        self.result, self.error = None, None
        for row in self.rows.values():
            for widget in (row.name, row.bar, row.note):
                # Out of the grid at once: the new run's rows take the same cells.
                self.grid.removeWidget(widget)
                widget.hide()
                widget.deleteLater()
        self.rows.clear()
        self.heading.setText(f"<b>{RunKind(kind).title}…</b>")
        self.summary.setText("")
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self.cancel_button.setVisible(True)
        self.close_button.setText("Hide")
        self.details_button.setVisible(False)
        self.history_button.setVisible(False)
        self.try_again_button.setVisible(False)
        self.try_again_button.setEnabled(True)
        self.sign_in_button.setVisible(False)

    def _progress(self, event: Progress) -> None:
        if self.controller.running is RunKind.PREVIEW:
            return
        row = self.rows.get(event.workflow)
        if row is None:
            row = self.rows[event.workflow] = _Row(self.grid, len(self.rows), event.workflow)
        row.show(event)
        self._fit_height()

    def _finished(self, kind: str, result: RunResult) -> None:
        if kind == RunKind.PREVIEW:
            return
        self.result = result
        self.error = result.error
        self.heading.setText(f"<b>{result.headline()}</b>")
        self.show_outcome()
        self._set_finished_buttons(True, result)
        self._fit_height()

    def _fit_height(self) -> None:
        """A shown dialog does not grow by itself when a wrapped note takes another line."""
        layout = self.layout()
        layout.activate()
        needed = (
            layout.totalHeightForWidth(self.width())
            if layout.hasHeightForWidth()
            else layout.totalMinimumSize().height()
        )
        if needed > self.height():
            self.resize(self.width(), needed)

    def _failed(self, kind: str, error: UserError) -> None:
        if kind == RunKind.PREVIEW:
            return
        self.result, self.error = None, error
        self.heading.setText(f"<b>{error.title}</b>")
        self.summary.setText(f"{error.what_happened} {error.what_to_do}")
        self._set_finished_buttons(True, None)

    def show_outcome(self) -> None:
        if self.result is not None:
            facts = self.controller.facts
            self.summary.setText(run_outcome_text(self.result, facts.standing, facts.review_count))

    def _facts_changed(self, *_: object) -> None:
        # The review count arrives after the run; the summary mentions it once known.
        if self.controller.running is None:
            self.show_outcome()

    def _set_finished_buttons(self, finished: bool, result: RunResult | None) -> None:
        self.cancel_button.setVisible(False)
        self.close_button.setText("Close")
        self.details_button.setVisible(finished and self.error is not None)
        self.history_button.setVisible(result is not None)
        signed_out = self.error is not None and (
            self.error.action is ErrorAction.RECONNECT_SALESFORCE
        )
        stopped = finished and (result is None or result.status not in FINISHED)
        self.sign_in_button.setVisible(signed_out and self._sign_in is not None)
        self.try_again_button.setVisible(stopped and not signed_out and self._try_again is not None)
        if self.try_again_button.isVisible():
            self.try_again_button.setDefault(True)

    def checking_before_sync(self) -> None:
        """Try again was clicked: the connection is checked first, and the window says so."""
        self.try_again_button.setEnabled(False)
        self.summary.setText("Checking the connection; the sync starts again once it passes…")

    def still_blocked(self, error: UserError) -> None:
        self.error = error
        self.try_again_button.setEnabled(True)
        self.heading.setText(f"<b>Not synced yet: {error.title}</b>")
        self.summary.setText(f"{error.what_happened} {error.what_to_do}")
        self.details_button.setVisible(True)

    # -- buttons --------------------------------------------------------------------------------
    def cancel(self) -> None:
        self.controller.cancel_run()
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Cancelling…")
        self.heading.setText("<b>Cancelling: finishing the current batch…</b>")

    def try_again(self) -> None:
        if self._try_again is not None:
            self.checking_before_sync()
            self._try_again()

    def sign_in(self) -> None:
        if self._sign_in is not None:
            self._sign_in()

    def _history(self) -> None:
        if self.result is not None:
            self._open_history(self.result.run_id)

    def _show_details(self) -> None:
        if self.error is not None:
            self._show_error(self.error)
