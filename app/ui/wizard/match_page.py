"""Match existing records: Salesforce accounts and QuickBooks customers that are the same company.

Each proposed pair is linked or skipped by the bookkeeper; linking now means the first sync
updates both instead of creating a second customer or account.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from app.domain.matching import MatchProposal, ProposedLink
from app.domain.workflows import WorkflowId
from app.engine.account_matching import LinkedMatches
from app.ui.errors import user_error_for
from app.ui.preferences import Preferences
from app.ui.wizard.context import SetupContext
from app.ui.wizard.widgets import BusyLine, ProblemLabel, done_label

HEADERS = ("Link", "Salesforce account", "QuickBooks customer", "Matched by")


class MatchPage(QWizardPage):
    def __init__(self, setup: SetupContext) -> None:
        super().__init__()
        self.setup = setup
        self.proposal: MatchProposal | None = None
        self.loading = False
        self.applying = False
        self.applied = False
        self.linked = 0
        self.setTitle("Match existing records")
        self.setSubTitle(
            "These Salesforce accounts look like QuickBooks customers you already have. Linked "
            "pairs are kept in step; skipped ones are left alone."
        )
        self.busy = BusyLine()
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemChanged.connect(self._changed)
        self.link_all = QPushButton("Link all")
        self.link_all.clicked.connect(self.link_every_pair)
        self.skip_all = QPushButton("Skip all")
        self.skip_all.clicked.connect(self.skip_every_pair)
        self.find_again = QPushButton("Look again")
        self.find_again.clicked.connect(self.start_matching)
        buttons = QHBoxLayout()
        for button in (self.link_all, self.skip_all, self.find_again):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.RichText)
        self.done = done_label()
        self.problem = ProblemLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.busy)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.notes)
        layout.addWidget(self.done)
        layout.addWidget(self.problem)

    # -- page life ------------------------------------------------------------------------------
    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        if Preferences.load(self.setup.ctx.store).workflows.get(WorkflowId.CUSTOMERS, True):
            self.start_matching()
        else:
            self.proposal = MatchProposal((), (), (), ())
            self._show()

    def isComplete(self) -> bool:  # noqa: N802
        return self.proposal is not None and not self.loading and not self.applying

    def validatePage(self) -> bool:  # noqa: N802
        if self.applied or self.proposal is None:
            return self.applied or self.proposal is not None
        self.apply()
        return False

    # -- proposals ------------------------------------------------------------------------------
    def start_matching(self) -> None:
        self.loading, self.applied, self.proposal = True, False, None
        self.problem.clear_error()
        self.done.setText("")
        self.busy.start("Reading Salesforce accounts and QuickBooks customers…")
        self.completeChanged.emit()
        provider = self.setup.controller.provider

        def work(_report: Callable[[object], None]) -> MatchProposal:
            return provider.get().match_existing()

        self.setup.controller.background.start(
            work, name="match-propose", on_result=self._proposed, on_error=self._failed, owner=self
        )

    def _proposed(self, proposal: MatchProposal) -> None:
        self.loading = False
        self.busy.stop()
        self.proposal = proposal
        self._show()
        self.completeChanged.emit()

    def _show(self) -> None:
        assert self.proposal is not None
        links = self.proposal.links
        self.table.blockSignals(True)
        self.table.setRowCount(len(links))
        for row, pair in enumerate(links):
            check = QTableWidgetItem("")
            check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            check.setCheckState(Qt.CheckState.Checked)
            self.table.setItem(row, 0, check)
            for column, text in enumerate(
                (pair.account_name, pair.customer_name, pair.basis.value), start=1
            ):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()
        notes = []
        if not links:
            notes.append("No existing records look alike: nothing to match.")
        if self.proposal.ambiguous:
            keys = ", ".join(html.escape(m.key) for m in self.proposal.ambiguous[:5])
            notes.append(
                f"{len(self.proposal.ambiguous)} names, emails or phone numbers are shared by "
                f"several records ({keys}); those are not linked. Tidy them in Salesforce or "
                "QuickBooks, then look again."
            )
        unmatched = len(self.proposal.unmatched_customer_ids)
        if unmatched:
            notes.append(
                f"{unmatched} QuickBooks customers have no account yet; the first sync adds them "
                "to Salesforce."
            )
        self.notes.setText("<br>".join(notes))
        self._enable()

    def _changed(self) -> None:
        self.applied = False

    # Bound methods, not lambdas holding the page: PySide would free a page it already deleted.
    def link_every_pair(self) -> None:
        self.set_all(True)

    def skip_every_pair(self) -> None:
        self.set_all(False)

    def set_all(self, link: bool) -> None:
        state = Qt.CheckState.Checked if link else Qt.CheckState.Unchecked
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None:
                item.setCheckState(state)

    def decisions(self) -> tuple[list[ProposedLink], list[ProposedLink]]:
        """(to link, to skip), in table order."""
        accepted: list[ProposedLink] = []
        skipped: list[ProposedLink] = []
        links = self.proposal.links if self.proposal is not None else ()
        for row, pair in enumerate(links):
            item = self.table.item(row, 0)
            checked = item is not None and item.checkState() == Qt.CheckState.Checked
            (accepted if checked else skipped).append(pair)
        return accepted, skipped

    # -- linking --------------------------------------------------------------------------------
    def apply(self) -> None:
        accepted, skipped = self.decisions()
        self.applying = True
        self.completeChanged.emit()
        self.busy.start(f"Linking {len(accepted)} pairs…")
        provider = self.setup.controller.provider

        def work(_report: Callable[[object], None]) -> LinkedMatches:
            return provider.get().link_matches(accepted, skipped)

        self.setup.controller.background.start(
            work, name="match-apply", on_result=self._applied, on_error=self._failed, owner=self
        )

    def _applied(self, result: LinkedMatches) -> None:
        self.applying, self.applied = False, True
        self.linked = result.linked
        self.busy.stop()
        self.done.setText(f"Linked {result.linked} pairs.")
        if result.failed:
            self.problem.show_text("Not linked: " + "; ".join(result.failed))
            self.applied = not result.failed
        self.completeChanged.emit()
        wizard = self.wizard()
        if self.applied and wizard is not None and wizard.currentPage() is self:
            wizard.next()

    def _failed(self, exc: BaseException) -> None:
        self.loading = self.applying = False
        self.busy.stop()
        self.problem.show_error(user_error_for(exc))
        self.completeChanged.emit()

    def _enable(self) -> None:
        has_rows = self.table.rowCount() > 0
        self.link_all.setEnabled(has_rows)
        self.skip_all.setEnabled(has_rows)
