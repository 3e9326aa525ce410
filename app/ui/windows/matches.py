"""Matches to confirm: accounts and customers that may be one company, and fields QuickBooks and
Salesforce hold differently, each waiting for the bookkeeper's choice."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.user_error import UserError
from app.engine.engine import SyncEngine
from app.engine.match_decisions import Decision, Keep, values_text
from app.store.matches import StoredConflict, StoredMatch
from app.ui.controller import Controller
from app.ui.windows.tables import fill, read_only_table, selected_rows

MATCH_HEADERS = ("#", "Salesforce account", "QuickBooks customer", "Why it may be the same")
CONFLICT_HEADERS = ("#", "Record", "Field", "QuickBooks has", "Salesforce has")


def match_rows(matches: list[StoredMatch]) -> list[tuple[str, ...]]:
    return [(str(m.id), m.account_name, m.customer_name, m.reason) for m in matches]


def conflict_rows(conflicts: list[StoredConflict]) -> list[tuple[str, ...]]:
    return [
        (
            str(c.id),
            c.record,
            c.field,
            values_text(c.quickbooks).replace("\n", ", "),
            values_text(c.salesforce).replace("\n", ", "),
        )
        for c in conflicts
    ]


class MatchesWindow(QDialog):
    def __init__(
        self,
        controller: Controller,
        *,
        show_error: Callable[[UserError], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Matches to confirm")
        self.resize(860, 560)
        self.controller = controller
        self.show_error = show_error
        self.matches: list[StoredMatch] = []
        self.conflicts: list[StoredConflict] = []
        self.busy = False

        intro = QLabel(
            "The sync links an account and a QuickBooks customer by itself only when they have "
            "the same name, and no other record has it. These may be the same company: nothing "
            "is linked or created for them until you confirm."
        )
        intro.setWordWrap(True)
        self.match_table = read_only_table(MATCH_HEADERS)
        self.match_table.itemSelectionChanged.connect(self._match_chosen)
        self.name_question = QLabel("")
        self.keep_quickbooks_name = QRadioButton()
        self.keep_salesforce_name = QRadioButton()
        self.name_choice = QButtonGroup(self)
        self.name_choice.addButton(self.keep_quickbooks_name)
        self.name_choice.addButton(self.keep_salesforce_name)
        self.name_choice.buttonToggled.connect(self._name_toggled)
        self.confirm_button = QPushButton("Confirm: same company")
        self.confirm_button.clicked.connect(self.confirm)
        self.reject_button = QPushButton("Not the same")
        self.reject_button.clicked.connect(self.reject_match)

        conflicts_intro = QLabel(
            "Changed in QuickBooks since the app wrote it: nothing was overwritten. Choose the "
            "value both sides keep."
        )
        conflicts_intro.setWordWrap(True)
        self.conflict_table = read_only_table(CONFLICT_HEADERS)
        self.conflict_table.itemSelectionChanged.connect(self._enable)
        self.keep_quickbooks = QPushButton("Keep QuickBooks")
        self.keep_quickbooks.clicked.connect(self._keep_quickbooks_clicked)
        self.take_salesforce = QPushButton("Take Salesforce")
        self.take_salesforce.clicked.connect(self._take_salesforce_clicked)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        close = QPushButton("Close")
        close.clicked.connect(self.close)

        match_buttons = QHBoxLayout()
        match_buttons.addWidget(self.confirm_button)
        match_buttons.addWidget(self.reject_button)
        match_buttons.addStretch(1)
        names = QHBoxLayout()
        names.addWidget(self.keep_quickbooks_name)
        names.addWidget(self.keep_salesforce_name)
        names.addStretch(1)
        conflict_buttons = QHBoxLayout()
        conflict_buttons.addWidget(self.keep_quickbooks)
        conflict_buttons.addWidget(self.take_salesforce)
        conflict_buttons.addStretch(1)
        conflict_buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.match_table, 1)
        layout.addWidget(self.name_question)
        layout.addLayout(names)
        layout.addLayout(match_buttons)
        layout.addWidget(conflicts_intro)
        layout.addWidget(self.conflict_table, 1)
        layout.addWidget(self.message)
        layout.addLayout(conflict_buttons)
        self._match_chosen()

    def refresh(self) -> None:
        store = self.controller.ctx.store
        self.matches = store.open_matches()
        self.conflicts = store.open_conflicts()
        fill(self.match_table, match_rows(self.matches))
        fill(self.conflict_table, conflict_rows(self.conflicts))
        self.setWindowTitle(f"Matches to confirm ({len(self.matches) + len(self.conflicts)})")
        self._match_chosen()

    def chosen_match(self) -> StoredMatch | None:
        rows = selected_rows(self.match_table)
        return self.matches[rows[0]] if rows else None

    def chosen_conflict(self) -> StoredConflict | None:
        rows = selected_rows(self.conflict_table)
        return self.conflicts[rows[0]] if rows else None

    def confirm(self) -> None:
        match = self.chosen_match()
        if match is None:
            return
        keep: Keep | None = None
        if match.account_name != match.customer_name:
            if self.keep_quickbooks_name.isChecked():
                keep = Keep.QUICKBOOKS
            elif self.keep_salesforce_name.isChecked():
                keep = Keep.SALESFORCE
            else:
                return
        self._decide(lambda engine: engine.confirm_match(match.id, keep, trigger="tray"))

    def reject_match(self) -> None:
        match = self.chosen_match()
        if match is not None:
            self._decide(lambda engine: engine.reject_match(match.id, trigger="tray"))

    # Bound methods, not lambdas holding the window: such a connection kept it alive until exit.
    def _keep_quickbooks_clicked(self) -> None:
        self.resolve(Keep.QUICKBOOKS)

    def _take_salesforce_clicked(self) -> None:
        self.resolve(Keep.SALESFORCE)

    def resolve(self, keep: Keep) -> None:
        conflict = self.chosen_conflict()
        if conflict is not None:
            self._decide(lambda engine: engine.resolve_conflict(conflict.id, keep, trigger="tray"))

    def _decide(self, decide: Callable[[SyncEngine], Decision]) -> None:
        self.busy = True
        self._enable()
        self.controller.decide_match(decide, self._decided, self._failed, owner=self)

    def _decided(self, decision: Decision) -> None:
        self.busy = False
        self.message.setText(decision.message)
        self.refresh()

    def _failed(self, error: UserError) -> None:
        self.busy = False
        self.message.setText(f"{error.title}: {error.what_happened}")
        self._enable()
        self.show_error(error)

    def _match_chosen(self) -> None:
        match = self.chosen_match()
        differs = match is not None and match.account_name != match.customer_name
        for widget in (self.name_question, self.keep_quickbooks_name, self.keep_salesforce_name):
            widget.setVisible(differs)
        self.name_choice.setExclusive(False)
        self.keep_quickbooks_name.setChecked(False)
        self.keep_salesforce_name.setChecked(False)
        self.name_choice.setExclusive(True)
        if match is not None and differs:
            self.name_question.setText("The names differ. Which name should both keep?")
            self.keep_quickbooks_name.setText(f"QuickBooks: {match.customer_name}")
            self.keep_salesforce_name.setText(f"Salesforce: {match.account_name}")
        self._enable()

    def _name_toggled(self, _button: object, _checked: bool) -> None:
        self._enable()

    def _enable(self) -> None:
        match = self.chosen_match()
        named = match is not None and (
            match.account_name == match.customer_name
            or self.name_choice.checkedButton() is not None
        )
        self.confirm_button.setEnabled(not self.busy and named)
        self.reject_button.setEnabled(not self.busy and match is not None)
        chosen = self.chosen_conflict() is not None and not self.busy
        self.keep_quickbooks.setEnabled(chosen)
        self.take_salesforce.setEnabled(chosen)
