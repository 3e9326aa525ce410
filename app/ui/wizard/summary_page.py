"""Summary: what is connected and chosen, and a first preview of what a sync would do."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWizardPage

from app.domain.user_error import UserError
from app.domain.workflows import workflow
from app.engine.result import RunResult
from app.store.settings import CONDUCTOR_COMPANY_NAME, CONDUCTOR_END_USER_ID, SALESFORCE_USERNAME
from app.ui.controller import RunKind
from app.ui.preferences import Preferences
from app.ui.windows.preview import preview_summary
from app.ui.wizard.context import SetupContext
from app.ui.wizard.widgets import BusyLine, ProblemLabel


class SummaryPage(QWizardPage):
    def __init__(self, setup: SetupContext) -> None:
        super().__init__()
        self.setup = setup
        self.result: RunResult | None = None
        self.previewing = False
        self.setTitle("Ready")
        self.setSubTitle(
            "Setup is done. Here is what the first sync would do; nothing is written yet."
        )
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.busy = BusyLine()
        self.preview = QLabel("")
        self.preview.setWordWrap(True)
        self.problem = ProblemLabel()
        self.again = QPushButton("Preview again")
        self.again.clicked.connect(self.start_preview)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.busy)
        layout.addWidget(self.preview)
        layout.addWidget(self.problem)
        again_row = QHBoxLayout()
        again_row.addWidget(self.again)
        again_row.addStretch(1)
        layout.addLayout(again_row)
        layout.addStretch(1)
        setup.controller.run_finished.connect(self._finished)
        setup.controller.run_failed.connect(self._failed)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        settings = self.setup.ctx.store.settings()
        chosen = [
            workflow(w).title
            for w, on in Preferences.load(self.setup.ctx.store).workflows.items()
            if on
        ]
        company = html.escape(
            CONDUCTOR_COMPANY_NAME.read(settings) or CONDUCTOR_END_USER_ID.read(settings) or "?"
        )
        user = html.escape(SALESFORCE_USERNAME.read(settings) or "?")
        lines = [
            f"<b>QuickBooks</b>: company {company} through Conductor",
            f"<b>Salesforce</b>: signed in as {user}",
            f"<b>Syncing</b>: {html.escape(', '.join(chosen))}",
            "Click <b>Sync now</b> in the tray menu when you are ready.",
        ]
        self.summary.setText("<br>".join(lines))
        self.start_preview()

    def start_preview(self) -> None:
        self.problem.clear_error()
        self.preview.setText("")
        if not self.setup.controller.start_run(RunKind.PREVIEW):
            self.preview.setText("A sync is running; preview when it has finished.")
            return
        self.previewing = True
        self.again.setEnabled(False)
        self.busy.start("Reading both sides to preview the first sync…")

    def _finished(self, kind: str, result: RunResult) -> None:
        if kind != RunKind.PREVIEW or not self.previewing:
            return
        self._done()
        self.result = result
        self.preview.setText(preview_summary(list(result.planned)))
        if result.error is not None:
            self.problem.show_error(result.error)

    def _failed(self, kind: str, error: UserError) -> None:
        if kind != RunKind.PREVIEW or not self.previewing:
            return
        self._done()
        self.problem.show_error(error)

    def _done(self) -> None:
        self.previewing = False
        self.busy.stop()
        self.again.setEnabled(True)
