"""Invoices: how the invoices made from won opportunities are numbered, and the go-live date
(today unless changed) before which won deals are taken as billed already."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWizardPage

from app.ui.windows.invoice_settings import InvoiceSettings
from app.ui.wizard.context import SetupContext


class InvoicesPage(QWizardPage):
    def __init__(self, setup: SetupContext) -> None:
        super().__init__()
        self.setup = setup
        self.setTitle("Invoices from won opportunities")
        self.setSubTitle(
            "Each invoice you approve gets a number QuickBooks has not used. Change these "
            "later in Settings."
        )
        self.choices = InvoiceSettings(setup.ctx.store)
        self.choices.changed.connect(self.completeChanged)
        layout = QVBoxLayout(self)
        layout.addWidget(self.choices)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        self.choices.load()

    def isComplete(self) -> bool:  # noqa: N802
        return self.choices.problem_text() is None

    def validatePage(self) -> bool:  # noqa: N802
        self.choices.save()
        return True
