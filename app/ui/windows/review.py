"""Invoices to create: each won opportunity with the QuickBooks invoice it would become.

Nothing reaches QuickBooks until the bookkeeper approves; skipped opportunities stay out of the
queue for good.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.domain.user_error import UserError
from app.engine.result import RunResult
from app.engine.review import SKIPPED, ReviewCandidate, state_text
from app.engine.wording import count_of
from app.ui.controller import Controller, RunKind
from app.ui.windows.tables import align_right, fill, read_only_table, selected_rows

QUEUE_HEADERS = ("Invoice no.", "Opportunity", "Customer", "Date", "Subtotal", "State")
#: The queue's money column, aligned right.
SUBTOTAL_COLUMN = 4
LINE_HEADERS = ("Product", "Description", "Quantity", "Rate", "Amount")


def money(value: object) -> str:
    if isinstance(value, Decimal | int | float):
        return f"{value:,.2f}"
    return "" if value is None else str(value)


def quantity(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}"


def queue_rows(candidates: list[ReviewCandidate]) -> list[tuple[str, ...]]:
    rows = []
    for c in candidates:
        preview = c.draft.preview
        state = state_text(c)
        rows.append(
            (
                f"#{c.ref_number}" if c.ref_number else "",
                c.name,
                preview.customer_name,
                preview.transaction_date or "",
                money(preview.subtotal),
                state,
            )
        )
    return rows


def invoice_html(candidate: ReviewCandidate) -> str:
    preview = candidate.draft.preview
    number = f" #{html.escape(preview.ref_number)}" if preview.ref_number else ""
    parts = [
        f"<h3>Invoice{number} for {html.escape(preview.customer_name)}</h3>",
        f"<p>From opportunity <b>{html.escape(candidate.name)}</b>, dated "
        f"{html.escape(preview.transaction_date or 'today')}. Subtotal "
        f"<b>{money(preview.subtotal)}</b>; QuickBooks adds sales tax from the customer's and "
        "items' tax settings.</p>",
    ]
    changed = candidate.changed_since_approval
    if changed is not None:
        # Right under the title, so it is read before the figures.
        parts.insert(
            1,
            f"<p><b>{html.escape(changed[:1].upper() + changed[1:])}.</b> Check it and "
            "approve it again to create it.</p>",
        )
    if not preview.matches_opportunity_amount:
        parts.append(
            f"<p>The opportunity's amount is {money(preview.opportunity_amount)}, which differs "
            "from the lines' subtotal.</p>"
        )
    if preview.problems:
        items = "".join(f"<li>{html.escape(p.message)}</li>" for p in preview.problems)
        parts.append(f"<p><b>Cannot be created yet:</b></p><ul>{items}</ul>")
    return "".join(parts)


class ReviewWindow(QDialog):
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
        self.candidates: list[ReviewCandidate] = []
        self.everything: list[ReviewCandidate] = []
        self.loading = False
        self.setWindowTitle("Review invoices to create")
        self.resize(1420, 600)

        self.intro = QLabel(
            "Won opportunities wait here until you approve them. Approving creates the invoice "
            "in QuickBooks; a skipped one leaves the queue until you bring it back from Skipped."
        )
        self.intro.setWordWrap(True)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setVisible(False)
        self.queue = read_only_table(QUEUE_HEADERS)
        self.queue.itemSelectionChanged.connect(self._show_selected)
        self.invoice = QLabel("")
        self.invoice.setWordWrap(True)
        self.invoice.setTextFormat(Qt.TextFormat.RichText)
        self.invoice.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.lines = read_only_table(LINE_HEADERS)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.invoice)
        detail_layout.addWidget(self.lines, 1)
        splitter = QSplitter()
        splitter.addWidget(self.queue)
        splitter.addWidget(detail)
        splitter.setSizes([930, 470])

        self.status = QLabel("")
        self.approve_button = QPushButton("Approve and create invoices")
        self.approve_button.clicked.connect(self.approve_selected)
        self.skip_button = QPushButton("Skip…")
        self.skip_button.clicked.connect(self.skip_selected)
        self.show_skipped = QCheckBox("Skipped")
        self.show_skipped.toggled.connect(self._skipped_toggled)
        self.back_button = QPushButton("Back to the queue")
        self.back_button.clicked.connect(self.back_to_queue)
        #: Asks before a skip; tests answer it themselves.
        self.confirm: Callable[[str], bool] = self._ask
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.show_skipped)
        for button in (
            self.refresh_button,
            self.back_button,
            self.skip_button,
            self.approve_button,
            close,
        ):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.busy)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self._enable()

        controller.run_finished.connect(self._run_finished)

    # -- loading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.loading = True
        self.busy.setVisible(True)
        self.status.setText("Reading won opportunities from Salesforce…")
        self._enable()
        self.controller.load_review(self._loaded, self._failed, owner=self)

    def _loaded(self, candidates: list[ReviewCandidate]) -> None:
        self.loading = False
        self.busy.setVisible(False)
        self.everything = candidates
        self._show_list()

    # A bound method, not a lambda holding the window: such a connection kept it alive until exit.
    def _skipped_toggled(self, _on: bool) -> None:
        self._show_list()

    def _show_list(self) -> None:
        skipped = self.show_skipped.isChecked()
        self.candidates = [c for c in self.everything if (c.decision == SKIPPED) is skipped]
        fill(self.queue, queue_rows(self.candidates))
        align_right(self.queue, SUBTOTAL_COLUMN)
        waiting = sum(1 for c in self.candidates if c.decision is None)
        if skipped:
            self.status.setText(
                f"{count_of(len(self.candidates), 'skipped opportunity', 'skipped opportunities')}."
            )
        else:
            self.status.setText(
                f"{count_of(waiting, 'invoice')} waiting for approval."
                if waiting
                else "Nothing is waiting for approval."
            )
        if self.candidates:
            self.queue.selectRow(0)
        else:
            self.invoice.setText("")
            fill(self.lines, [])
        self._enable()

    def _failed(self, error: UserError) -> None:
        self.loading = False
        self.busy.setVisible(False)
        self.status.setText(error.title)
        self._enable()
        self._show_error(error)

    # -- selection ------------------------------------------------------------------------------
    def selected(self) -> list[ReviewCandidate]:
        return [self.candidates[r] for r in selected_rows(self.queue) if r < len(self.candidates)]

    def select(self, opportunity_ids: list[str]) -> None:
        self.queue.clearSelection()
        for row, candidate in enumerate(self.candidates):
            if candidate.id in opportunity_ids:
                self.queue.selectRow(row)

    def _show_selected(self) -> None:
        chosen = self.selected()
        self._enable()
        if not chosen:
            return
        candidate = chosen[-1]
        self.invoice.setText(invoice_html(candidate))
        fill(
            self.lines,
            [
                (
                    line.product,
                    line.description,
                    quantity(line.quantity),
                    money(line.rate),
                    money(line.amount),
                )
                for line in candidate.draft.preview.lines
            ],
        )
        for column in (2, 3, 4):
            align_right(self.lines, column)

    def _enable(self) -> None:
        chosen = self.selected()
        idle = not self.loading and self.controller.running is None
        self.approve_button.setEnabled(
            idle and bool(chosen) and all(c.reviewed is not None for c in chosen)
        )
        skipped = self.show_skipped.isChecked()
        self.skip_button.setVisible(not skipped)
        self.approve_button.setVisible(not skipped)
        self.back_button.setVisible(skipped)
        self.skip_button.setEnabled(idle and bool(chosen))
        self.back_button.setEnabled(idle and bool(chosen))
        self.refresh_button.setEnabled(not self.loading)

    # -- decisions ------------------------------------------------------------------------------
    def approve_selected(self) -> None:
        chosen = [c for c in self.selected() if c.reviewed is not None]
        ids = [c.id for c in chosen]
        reviewed = {c.id: c.reviewed for c in chosen if c.reviewed is not None}
        if ids and self.controller.start_run(
            RunKind.APPROVE, opportunity_ids=ids, reviewed=reviewed
        ):
            self.status.setText(f"Creating {len(ids)} invoice(s) in QuickBooks…")
            self._enable()

    def skip_selected(self) -> None:
        ids = [c.id for c in self.selected()]
        if not ids:
            return
        question = (
            f"Skip {count_of(len(ids), 'opportunity', 'opportunities')}? No invoice is created "
            "for it; Skipped lists it, and Back to the queue brings it back."
        )
        if not self.confirm(question):
            return
        self.loading = True
        self._enable()
        self.controller.skip(ids, lambda _: self.refresh(), self._failed, owner=self)

    def back_to_queue(self) -> None:
        ids = [c.id for c in self.selected()]
        if not ids:
            return
        self.loading = True
        self._enable()
        self.controller.unskip(ids, lambda _: self.refresh(), self._failed, owner=self)

    def _ask(self, question: str) -> bool:
        answer = QMessageBox.question(self, "Skip", question)
        return answer is QMessageBox.StandardButton.Yes

    def _run_finished(self, kind: str, result: RunResult) -> None:
        if kind == RunKind.APPROVE:
            self.refresh()
