"""Sync history: past runs, each record's outcome with its reason, retry failed, export to CSV."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.commands.sync import write_items_csv
from app.context import AppContext
from app.domain.outcomes import Outcome
from app.domain.user_error import UserError
from app.engine.result import RunResult
from app.engine.wording import count_of, outcomes_text, step_title
from app.store.models import Run, RunItem
from app.ui.controller import Controller, RunKind
from app.ui.timefmt import local_minute
from app.ui.windows.tables import dim_row, fill, read_only_table, selected_rows

RUN_HEADERS = ("Run", "Started", "From", "Result", "Records")
ITEM_HEADERS = ("Workflow", "Record", "Outcome", "QuickBooks id", "Salesforce id", "Reason")
PROBLEM_OUTCOMES = {Outcome.FAILED.value, Outcome.CONFLICT.value}
STATUS_TEXT = {
    "running": "Running",
    "succeeded": "Finished",
    "partial": "Finished with problems",
    "needs_attention": "Stopped: needs attention",
    "stopped_limit": "Paused at the API limit",
    "cancelled": "Cancelled",
    "failed": "Failed",
}


PREVIEW_RESULT = "Preview: nothing written"


def run_name(run: Run) -> str:
    """'#12' for a sync, 'Preview #13' for a preview, which is not a sync."""
    return f"Preview #{run.id}" if run.dry_run else f"#{run.id}"


def run_rows(runs: list[Run]) -> list[tuple[str, ...]]:
    rows = []
    for run in runs:
        totals: dict[str, int] = {}
        for counts in (run.summary or {}).values():
            for outcome, n in counts.items():
                totals[outcome] = totals.get(outcome, 0) + int(n)
        records = outcomes_text(totals)
        if run.dry_run:
            result, records = PREVIEW_RESULT, f"would be {records}" if records else ""
        else:
            result = STATUS_TEXT.get(run.status, run.status)
        rows.append((run_name(run), local_minute(run.started_at), run.trigger, result, records))
    return rows


def runs_note(runs: list[Run], *, previews_shown: bool) -> str:
    """How many syncs are listed, and the previews kept apart from them."""
    previews = sum(1 for r in runs if r.dry_run)
    note = count_of(len(runs) - previews, "sync")
    if previews:
        apart = "listed apart, not counted as syncs" if previews_shown else "not shown"
        note += f"; {count_of(previews, 'preview')} {apart}"
    return note


def shown_runs(runs: list[Run], *, previews: bool) -> list[Run]:
    """Syncs first, newest first; then, when asked for, the previews, newest first."""
    syncs = [r for r in runs if not r.dry_run]
    return syncs + [r for r in runs if r.dry_run] if previews else syncs


def item_rows(items: list[RunItem], *, problems_only: bool) -> list[tuple[str, ...]]:
    return [
        (
            step_title(i.workflow),
            i.record_key,
            i.outcome,
            i.qb_id or "",
            i.sf_id or "",
            i.message or "",
        )
        for i in items
        if not problems_only or i.outcome in PROBLEM_OUTCOMES
    ]


class HistoryWindow(QDialog):
    def __init__(
        self,
        controller: Controller,
        *,
        show_error: Callable[[UserError], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self._show_error = show_error
        self.runs: list[Run] = []
        #: The runs in the table, in its order: syncs, then previews when shown.
        self.shown: list[Run] = []
        self.items: list[RunItem] = []
        self.run_id: int | None = None
        self._wanted: int | None = None
        self.loading = False
        self.setWindowTitle("Sync history")
        self.resize(1000, 600)

        self.runs_table = read_only_table(RUN_HEADERS)
        self.runs_table.itemSelectionChanged.connect(self._run_selected)
        self.runs_note = QLabel("")
        self.show_previews = QCheckBox("Show previews (they write nothing)")
        self.show_previews.toggled.connect(self._previews_toggled)
        runs_head = QHBoxLayout()
        runs_head.addWidget(self.runs_note, 1)
        runs_head.addWidget(self.show_previews)
        runs_box = QWidget()
        runs_layout = QVBoxLayout(runs_box)
        runs_layout.setContentsMargins(0, 0, 0, 0)
        runs_layout.addLayout(runs_head)
        runs_layout.addWidget(self.runs_table, 1)
        self.items_table = read_only_table(ITEM_HEADERS)
        self.run_label = QLabel("")
        self.run_label.setWordWrap(True)
        self.run_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems_only = QCheckBox("Only records with problems")
        self.problems_only.toggled.connect(self._fill_items)
        items_box = QWidget()
        items_layout = QVBoxLayout(items_box)
        items_layout.setContentsMargins(0, 0, 0, 0)
        items_layout.addWidget(self.run_label)
        items_layout.addWidget(self.problems_only)
        items_layout.addWidget(self.items_table, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(runs_box)
        splitter.addWidget(items_box)
        splitter.setSizes([220, 380])

        self.retry_button = QPushButton("Retry failed records")
        self.retry_button.clicked.connect(self.retry_failed)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self._ask_export)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(refresh)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self._enable()
        controller.run_finished.connect(self._run_finished)

    # -- loading --------------------------------------------------------------------------------
    def refresh(self, run_id: int | None = None) -> None:
        self._wanted = run_id if run_id is not None else self.run_id
        self.loading = True
        self._enable()
        self.controller.read(
            lambda ctx: ctx.store.runs(limit=200),
            self._runs_loaded,
            self._failed,
            name="runs",
            owner=self,
        )

    def _runs_loaded(self, runs: list[Run]) -> None:
        self.loading = False
        self.runs = runs
        wanted = next((r for r in runs if r.id == self._wanted), None)
        if wanted is not None and wanted.dry_run:
            self.show_previews.blockSignals(True)
            self.show_previews.setChecked(True)
            self.show_previews.blockSignals(False)
        self._fill_runs(self._wanted)
        self._enable()

    # A bound method, not a lambda holding the window: such a connection kept it alive until exit.
    def _previews_toggled(self, _on: bool) -> None:
        self._fill_runs(self.run_id)

    def _fill_runs(self, wanted: int | None) -> None:
        previews = self.show_previews.isChecked()
        self.shown = shown_runs(self.runs, previews=previews)
        self.runs_note.setText(runs_note(self.runs, previews_shown=previews))
        fill(self.runs_table, run_rows(self.shown))
        for row, run in enumerate(self.shown):
            if run.dry_run:
                dim_row(self.runs_table, row)
        rows = self.shown
        row = next((i for i, r in enumerate(rows) if r.id == wanted), 0 if rows else None)
        if row is not None:
            self.runs_table.selectRow(row)

    def _run_selected(self) -> None:
        rows = selected_rows(self.runs_table)
        if not rows or rows[0] >= len(self.shown):
            return
        run = self.shown[rows[0]]
        self.run_id = run.id
        self.loading = True
        self._enable()

        def read(ctx: AppContext) -> list[RunItem]:
            return ctx.store.run_items(run.id)

        self.controller.read(
            read, lambda items: self._items_loaded(run, items), self._failed, owner=self
        )

    def _items_loaded(self, run: Run, items: list[RunItem]) -> None:
        if run.id != self.run_id:
            return
        self.loading = False
        self.items = items
        who = f"by {run.os_user}" if run.os_user else ""
        message = f" {run.message}." if run.message else ""
        result = PREVIEW_RESULT if run.dry_run else STATUS_TEXT.get(run.status, run.status)
        name = f"Preview #{run.id}" if run.dry_run else f"Run #{run.id}"
        self.run_label.setText(
            f"<b>{name}</b>: {result}, started "
            f"{local_minute(run.started_at)} {who} from {run.trigger}.{message}"
        )
        self._fill_items()
        self._enable()

    def _fill_items(self) -> None:
        fill(self.items_table, item_rows(self.items, problems_only=self.problems_only.isChecked()))

    def _failed(self, error: UserError) -> None:
        self.loading = False
        self._enable()
        self._show_error(error)

    def _enable(self) -> None:
        run = self.selected_run()
        failed = any(i.outcome == Outcome.FAILED.value for i in self.items)
        self.retry_button.setEnabled(
            not self.loading
            and run is not None
            and not run.dry_run
            and failed
            and self.controller.running is None
        )
        self.export_button.setEnabled(not self.loading and run is not None)

    def selected_run(self) -> Run | None:
        return next((r for r in self.runs if r.id == self.run_id), None)

    # -- actions --------------------------------------------------------------------------------
    def retry_failed(self) -> None:
        if self.run_id is not None:
            self.controller.start_run(RunKind.RETRY, retry_of=self.run_id, trigger="retry")
            self._enable()

    def _ask_export(self) -> None:
        if self.run_id is None:
            return
        suggested = str(Path.home() / f"sync-run-{self.run_id}.csv")
        path, _ = QFileDialog.getSaveFileName(self, "Export records", suggested, "CSV (*.csv)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        write_items_csv(path, self.items)
        self.run_label.setText(
            f"{self.run_label.text()}<br>Saved {len(self.items)} records to "
            f"{html.escape(str(path))}."
        )

    def _run_finished(self, kind: str, result: RunResult) -> None:
        if kind != RunKind.PREVIEW and self.isVisible():
            self.refresh(result.run_id)
