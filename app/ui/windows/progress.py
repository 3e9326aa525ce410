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

from app.domain.user_error import UserError
from app.domain.workflows import workflow
from app.engine.events import Progress
from app.engine.result import RunResult, RunStatus
from app.ui.controller import Controller, RunKind

_PHASES = {
    "checking": "checking",
    "reading": "reading",
    "writing": "writing",
    "committing": "saving",
    "done": "done",
}


def counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()) if n)


def workflow_title(workflow_id: str) -> str:
    try:
        return workflow(workflow_id).title
    except ValueError:
        return workflow_id.capitalize()


def run_outcome_text(result: RunResult) -> str:
    """What to make of a finished run, beyond the counts the rows already show."""
    if result.error is not None:
        return f"{result.error.what_happened} {result.error.what_to_do}"
    if result.problems:
        return (
            f"{result.problems} records were not synced. Show records in history lists each "
            "with the reason; Retry failed records there runs just those again."
        )
    if result.status is RunStatus.CANCELLED:
        return "Everything done before the cancel is kept; the next sync carries on from there."
    return "Both sides are in step."


class _Row:
    def __init__(self, grid: QGridLayout, row: int, workflow_id: str) -> None:
        self.name = QLabel(workflow_title(workflow_id))
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(True)
        self.note = QLabel("")
        self.note.setMinimumWidth(220)
        grid.addWidget(self.name, row, 0)
        grid.addWidget(self.bar, row, 1)
        grid.addWidget(self.note, row, 2)

    def show(self, event: Progress) -> None:
        if event.phase == "done":
            done = max(event.done, self.bar.value(), 1)
            self.bar.setRange(0, done)
            self.bar.setValue(done)
        elif event.total:
            self.bar.setRange(0, event.total)
            self.bar.setValue(min(event.done, event.total))
        else:
            self.bar.setRange(0, 0)
        phase = _PHASES.get(event.phase, event.phase)
        counted = counts_text(event.counts)
        self.note.setText(f"{phase}: {counted}" if counted else phase)


class ProgressWindow(QDialog):
    def __init__(
        self,
        controller: Controller,
        *,
        open_history: Callable[[int], None],
        show_error: Callable[[UserError], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self._open_history = open_history
        self._show_error = show_error
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
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (
            self.details_button,
            self.history_button,
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

    def _progress(self, event: Progress) -> None:
        if self.controller.running is RunKind.PREVIEW:
            return
        row = self.rows.get(event.workflow)
        if row is None:
            row = self.rows[event.workflow] = _Row(self.grid, len(self.rows), event.workflow)
        row.show(event)

    def _finished(self, kind: str, result: RunResult) -> None:
        if kind == RunKind.PREVIEW:
            return
        self.result = result
        self.error = result.error
        self.heading.setText(f"<b>{result.headline()}</b>")
        self.summary.setText(run_outcome_text(result))
        self._set_finished_buttons(True, result)

    def _failed(self, kind: str, error: UserError) -> None:
        if kind == RunKind.PREVIEW:
            return
        self.result, self.error = None, error
        self.heading.setText(f"<b>{error.title}</b>")
        self.summary.setText(f"{error.what_happened} {error.what_to_do}")
        self._set_finished_buttons(True, None)

    def _set_finished_buttons(self, finished: bool, result: RunResult | None) -> None:
        self.cancel_button.setVisible(False)
        self.close_button.setText("Close")
        self.details_button.setVisible(finished and self.error is not None)
        self.history_button.setVisible(result is not None)

    # -- buttons --------------------------------------------------------------------------------
    def cancel(self) -> None:
        self.controller.cancel_run()
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Cancelling…")
        self.heading.setText("<b>Cancelling: finishing the current batch…</b>")

    def _history(self) -> None:
        if self.result is not None:
            self._open_history(self.result.run_id)

    def _show_details(self) -> None:
        if self.error is not None:
            self._show_error(self.error)
