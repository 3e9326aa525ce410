"""Workflows: what to keep in step. Each can be switched on or off later in Settings."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWizardPage

from app.domain.workflows import workflow
from app.engine.engine import ALL_WORKFLOWS
from app.ui.preferences import Preferences
from app.ui.wizard.context import SetupContext


class WorkflowsPage(QWizardPage):
    def __init__(self, setup: SetupContext) -> None:
        super().__init__()
        self.setup = setup
        self.setTitle("Choose what to sync")
        self.setSubTitle("Each record is linked by id on both sides, so nothing is doubled.")
        self.boxes: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        for workflow_id in ALL_WORKFLOWS:
            definition = workflow(workflow_id)
            box = QCheckBox(definition.title)
            box.setChecked(True)
            box.toggled.connect(self.completeChanged)
            note = QLabel(f"<span style='color:gray'>{html.escape(definition.summary)}</span>")
            note.setWordWrap(True)
            note.setContentsMargins(24, 0, 0, 6)
            self.boxes[workflow_id] = box
            layout.addWidget(box)
            layout.addWidget(note)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        chosen = Preferences.load(self.setup.ctx.store).workflows
        for workflow_id, box in self.boxes.items():
            box.setChecked(chosen.get(workflow_id, True))

    def chosen(self) -> dict[str, bool]:
        return {w: box.isChecked() for w, box in self.boxes.items()}

    def isComplete(self) -> bool:  # noqa: N802
        return any(self.chosen().values())

    def validatePage(self) -> bool:  # noqa: N802
        preferences = Preferences.load(self.setup.ctx.store)
        preferences.workflows = self.chosen()
        preferences.save(self.setup.ctx.store)
        return True
