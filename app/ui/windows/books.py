"""Check the books: open invoices and payments compared on both sides, to the cent, with the
records that differ and one button that re-syncs exactly those."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.user_error import UserError
from app.engine.books.model import Reconciliation
from app.ui.controller import Controller
from app.ui.windows.tables import fill, read_only_table

HEADERS = ("What", "Record", "Customer", "QuickBooks", "Salesforce", "Detail")


def difference_rows(reconciliation: Reconciliation) -> list[tuple[str, ...]]:
    return [
        (
            f"{d.workflow}: {d.kind.value}",
            d.ref,
            d.customer,
            "" if d.quickbooks_amount is None else f"{d.quickbooks_amount:,.2f}",
            "" if d.salesforce_amount is None else f"{d.salesforce_amount:,.2f}",
            d.detail,
        )
        for d in reconciliation.differences
    ]


class BooksWindow(QDialog):
    def __init__(
        self,
        controller: Controller,
        *,
        show_error: Callable[[UserError], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check the books")
        self.resize(820, 460)
        self.controller = controller
        self.show_error = show_error
        self.result: Reconciliation | None = None
        self.loading = False

        self.headline = QLabel("Comparing QuickBooks and Salesforce…")
        self.headline.setWordWrap(True)
        #: Payments, open credits, unapplied payments and balances: one sentence each.
        self.figures = QLabel("")
        self.figures.setWordWrap(True)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.table = read_only_table(HEADERS)
        self.fix_button = QPushButton("Fix these records")
        self.fix_button.setToolTip("Sync exactly the records listed, then check again")
        self.fix_button.clicked.connect(self.fix)
        self.again_button = QPushButton("Check again")
        self.again_button.clicked.connect(self.refresh)
        close = QPushButton("Close")
        close.clicked.connect(self.close)

        buttons = QHBoxLayout()
        buttons.addWidget(self.fix_button)
        buttons.addWidget(self.again_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.figures)
        layout.addWidget(self.busy)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._set_loading(False)

    def _set_loading(self, loading: bool) -> None:
        self.loading = loading
        self.busy.setVisible(loading)
        self.again_button.setEnabled(not loading)
        self.fix_button.setEnabled(not loading and bool(self.result and self.result.fix_ids()))

    def refresh(self) -> None:
        self._set_loading(True)
        self.headline.setText("Comparing QuickBooks and Salesforce…")
        self.controller.check_books(self._shown, self._failed, owner=self)

    def fix(self) -> None:
        if self.result is None:
            return
        self._set_loading(True)
        self.headline.setText("Syncing the records listed, then checking again…")
        self.controller.repair_books(self.result, self._shown, self._failed, owner=self)

    def _shown(self, reconciliation: Reconciliation) -> None:
        self.result = reconciliation
        self.headline.setText(reconciliation.headline())
        self.figures.setText(
            ""
            if reconciliation.error
            else "\n".join(
                [reconciliation.payment_sentence(), *reconciliation.receivable_sentences()]
            )
        )
        fill(self.table, difference_rows(reconciliation))
        self._set_loading(False)

    def _failed(self, error: UserError) -> None:
        self._set_loading(False)
        self.headline.setText(f"{error.title}: {error.what_happened}")
        self.show_error(error)
