"""Preview changes: what a sync would do, record by record, before anything is written."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.user_error import UserError
from app.engine.result import PlannedAction, RunResult
from app.engine.wording import step_title
from app.ui.controller import Controller, RunKind
from app.ui.windows.tables import fill, read_only_table

HEADERS = ("Workflow", "Action", "In", "Record", "QuickBooks id", "Salesforce id", "Detail")


def preview_rows(planned: list[PlannedAction], *, show_unchanged: bool) -> list[tuple[str, ...]]:
    return [
        (
            step_title(p.workflow),
            p.action,
            p.target,
            p.record,
            p.qb_id or "",
            p.sf_id or "",
            p.detail,
        )
        for p in planned
        if show_unchanged or p.action != "unchanged"
    ]


def preview_summary(planned: list[PlannedAction]) -> str:
    changes = [p for p in planned if p.action != "unchanged"]
    if not changes:
        return "Nothing to do: both sides are in step."
    by_action: dict[str, int] = {}
    for p in changes:
        key = f"{p.action} in {p.target}"
        by_action[key] = by_action.get(key, 0) + 1
    parts = ", ".join(f"{n} to {action}" for action, n in sorted(by_action.items()))
    return f"A sync would change {len(changes)} records: {parts}. Nothing has been written."


class PreviewWindow(QDialog):
    def __init__(
        self,
        controller: Controller,
        *,
        sync_now: Callable[[], None],
        show_error: Callable[[UserError], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self._sync_now = sync_now
        self._show_error = show_error
        self.planned: list[PlannedAction] = []
        self.error: UserError | None = None
        self.setWindowTitle("Preview changes")
        self.resize(900, 520)

        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setVisible(False)
        self.table = read_only_table(HEADERS)
        self.show_unchanged = QCheckBox("Show records that would not change")
        self.show_unchanged.toggled.connect(self._fill)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.sync_button = QPushButton("Sync now")
        self.sync_button.clicked.connect(self._sync)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_unchanged)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.sync_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.busy)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

        controller.run_finished.connect(self._finished)
        controller.run_failed.connect(self._failed)

    @property
    def loading(self) -> bool:
        return self.busy.isVisible()

    def refresh(self) -> None:
        if not self.controller.start_run(RunKind.PREVIEW):
            self.summary.setText("A sync is running. Preview again when it has finished.")
            return
        self.error = None
        self.busy.setVisible(True)
        self.refresh_button.setEnabled(False)
        self.summary.setText("Reading both sides to work out what a sync would do…")

    def _finished(self, kind: str, result: RunResult) -> None:
        if kind != RunKind.PREVIEW:
            return
        self._done()
        self.planned = list(result.planned)
        self.error = result.error
        text = preview_summary(self.planned)
        if result.error is not None:
            text += f"\n{result.error.title}: {result.error.what_to_do}"
        self.summary.setText(text)
        self._fill()

    def _failed(self, kind: str, error: UserError) -> None:
        if kind != RunKind.PREVIEW:
            return
        self._done()
        self.error = error
        self.summary.setText(f"{error.title}: {error.what_to_do}")
        self._show_error(error)

    def _done(self) -> None:
        self.busy.setVisible(False)
        self.refresh_button.setEnabled(True)

    def _fill(self) -> None:
        fill(self.table, preview_rows(self.planned, show_unchanged=self.show_unchanged.isChecked()))

    def _sync(self) -> None:
        self.close()
        self._sync_now()
