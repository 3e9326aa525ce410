"""Invoices made from won opportunities: how they are numbered and from which day deals count.

Shown in setup and in Settings. QuickBooks numbers no invoice added from outside, so the app
gives each one a number by the rule chosen here; only deals won on or after the go-live date
enter the review queue.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from app.domain.workflows import OPPORTUNITY
from app.engine.invoice_numbers import MAX_LENGTH, NumberRule
from app.store import Store
from app.store.settings import (
    GO_LIVE_DATE,
    INVOICE_NUMBER_COUNTER,
    INVOICE_NUMBER_FIELD,
    INVOICE_NUMBER_PREFIX,
    INVOICE_NUMBER_RULE,
)

RULE_TITLES = {
    NumberRule.NEXT_NUMBER: "The next number after the highest one in QuickBooks",
    NumberRule.PREFIX: "A prefix and a counter (SF-1, SF-2, …)",
    NumberRule.OPPORTUNITY_FIELD: "A field of the opportunity",
}


class InvoiceSettings(QGroupBox):
    #: The choices became valid or invalid.
    changed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__("Invoices from won opportunities", parent)
        self.store = store
        self.rule = QComboBox()
        for rule, title in RULE_TITLES.items():
            self.rule.addItem(title, rule.value)
        self.prefix = QLineEdit()
        self.prefix.setMaxLength(MAX_LENGTH - 1)
        self.counter = QSpinBox()
        self.counter.setRange(1, 10**9)
        self.field = QLineEdit()
        self.field.setPlaceholderText(f"API name of a text field on {OPPORTUNITY.name}")
        self.go_live = QDateEdit()
        self.go_live.setCalendarPopup(True)
        self.go_live.setDisplayFormat("yyyy-MM-dd")
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b42318")
        note = QLabel(
            "Only opportunities won on or after the go-live date wait for review; earlier "
            "deals are taken as billed already."
        )
        note.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Invoice numbers", self.rule)
        form.addRow("Prefix", self.prefix)
        form.addRow("Next counter", self.counter)
        form.addRow("Opportunity field", self.field)
        form.addRow("Go-live date", self.go_live)
        form.addRow(note)
        form.addRow(self.problem)
        self._form = form
        for signal in (
            self.rule.currentIndexChanged,
            self.prefix.textChanged,
            self.counter.valueChanged,
            self.field.textChanged,
        ):
            signal.connect(self._refresh)
        self.load()

    def load(self) -> None:
        saved = NumberRule.saved(self.store.get(INVOICE_NUMBER_RULE))
        self.rule.setCurrentIndex(max(0, self.rule.findData(saved.value)))
        self.prefix.setText(self.store.get(INVOICE_NUMBER_PREFIX))
        self.counter.setValue(self.store.get(INVOICE_NUMBER_COUNTER))
        self.field.setText(self.store.get(INVOICE_NUMBER_FIELD))
        chosen = self.store.get(GO_LIVE_DATE) or date.today().isoformat()
        self.go_live.setDate(QDate.fromString(chosen, "yyyy-MM-dd"))
        self._refresh()

    def chosen_rule(self) -> NumberRule:
        return NumberRule(str(self.rule.currentData()))

    def problem_text(self) -> str | None:
        """Why the choices cannot be saved, in plain words; None when they can."""
        rule = self.chosen_rule()
        if rule is NumberRule.PREFIX:
            first = f"{self.prefix.text().strip()}{self.counter.value()}"
            if not self.prefix.text().strip():
                return "Type a prefix for the invoice numbers."
            if len(first) > MAX_LENGTH:
                return f"QuickBooks keeps at most {MAX_LENGTH} characters of an invoice number."
        if rule is NumberRule.OPPORTUNITY_FIELD and not self.field.text().strip():
            return "Type the API name of the opportunity field that holds the number."
        return None

    def save(self) -> None:
        self.store.set(INVOICE_NUMBER_RULE, self.chosen_rule().value)
        self.store.set(INVOICE_NUMBER_PREFIX, self.prefix.text().strip())
        self.store.set(INVOICE_NUMBER_COUNTER, self.counter.value())
        self.store.set(INVOICE_NUMBER_FIELD, self.field.text().strip())
        self.store.set(GO_LIVE_DATE, self.go_live.date().toString("yyyy-MM-dd"))

    def _refresh(self) -> None:
        rule = self.chosen_rule()
        for widget, shown in (
            (self.prefix, rule is NumberRule.PREFIX),
            (self.counter, rule is NumberRule.PREFIX),
            (self.field, rule is NumberRule.OPPORTUNITY_FIELD),
        ):
            self._form.setRowVisible(widget, shown)
        problem = self.problem_text()
        self.problem.setText(problem or "")
        self.problem.setVisible(problem is not None)
        self.changed.emit()
