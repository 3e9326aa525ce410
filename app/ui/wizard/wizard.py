"""The setup wizard: first start, and "Set up…" from the menu. Each page's Next opens only when
that page's check passed (its isComplete())."""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtWidgets import QWidget, QWizard

from app import APP_NAME
from app.engine.review import go_live_date
from app.store.settings import SETUP_FINISHED
from app.ui.icons import app_icon
from app.ui.wizard.context import SetupContext
from app.ui.wizard.invoices_page import InvoicesPage
from app.ui.wizard.match_page import MatchPage
from app.ui.wizard.quickbooks_page import QuickBooksPage
from app.ui.wizard.salesforce_page import SalesforcePage
from app.ui.wizard.schema_page import SchemaPage
from app.ui.wizard.summary_page import SummaryPage
from app.ui.wizard.welcome_page import WelcomePage
from app.ui.wizard.workflows_page import WorkflowsPage


class PageId(IntEnum):
    WELCOME = 0
    QUICKBOOKS = 1
    SALESFORCE = 2
    SCHEMA = 3
    WORKFLOWS = 4
    INVOICES = 5
    MATCH = 6
    SUMMARY = 7


PAGE_NAMES = {page.name.lower(): page for page in PageId}


class SetupWizard(QWizard):
    def __init__(
        self,
        setup: SetupContext,
        *,
        start: str | None = None,
        only: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`only`: just that page (e.g. renewing the Salesforce sign-in), with Finish on it."""
        super().__init__(parent)
        self.setup = setup
        self.setWindowTitle(f"Set up {APP_NAME}")
        self.setWindowIcon(app_icon())
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.resize(760, 600)
        self.welcome = WelcomePage()
        self.quickbooks = QuickBooksPage(setup)
        self.salesforce = SalesforcePage(setup)
        self.schema = SchemaPage(setup)
        self.workflows = WorkflowsPage(setup)
        self.invoices = InvoicesPage(setup)
        self.match = MatchPage(setup)
        self.summary = SummaryPage(setup)
        for page_id, page in (
            (PageId.WELCOME, self.welcome),
            (PageId.QUICKBOOKS, self.quickbooks),
            (PageId.SALESFORCE, self.salesforce),
            (PageId.SCHEMA, self.schema),
            (PageId.WORKFLOWS, self.workflows),
            (PageId.INVOICES, self.invoices),
            (PageId.MATCH, self.match),
            (PageId.SUMMARY, self.summary),
        ):
            if only is None or PAGE_NAMES.get(only) is page_id:
                self.setPage(page_id, page)
        if only is not None:
            self.setWindowTitle(f"{self.salesforce.title()} again" if only == "salesforce" else "")
            start = only
        self.setStartId(PAGE_NAMES.get(start or "", PageId.WELCOME))
        self.setButtonText(QWizard.WizardButton.FinishButton, "Finish")

    def accept(self) -> None:
        # Deals won before the day of setup are not offered for invoicing.
        go_live_date(self.setup.ctx.store)
        self.setup.ctx.store.set(SETUP_FINISHED, True)
        self.setup.controller.settings_changed()
        super().accept()

    def done(self, result: int) -> None:
        self.quickbooks.stop_checking()
        self.salesforce.cancel_sign_in()
        super().done(result)
