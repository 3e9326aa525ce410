"""Small pieces the wizard pages share: an inline problem, a busy line."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from app.domain.user_error import UserError


class ProblemLabel(QLabel):
    """An error as a page shows it: the title, then what to do."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setStyleSheet("color: #b42318")
        self.error: UserError | None = None
        self.hide()

    def show_error(self, error: UserError) -> None:
        self.error = error
        self.setText(
            f"<b>{html.escape(error.title)}</b><br>{html.escape(error.what_happened)} "
            f"{html.escape(error.what_to_do)}"
        )
        self.show()

    def show_text(self, text: str) -> None:
        self.error = None
        self.setText(html.escape(text))
        self.show()

    def clear_error(self) -> None:
        self.error = None
        self.setText("")
        self.hide()


class BusyLine(QWidget):
    """An endless bar with a note beside it, shown while a background check runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setMaximumWidth(160)
        self.bar.setMaximumHeight(14)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.note, 1)
        self.hide()

    def start(self, note: str) -> None:
        self.note.setText(note)
        self.show()

    def stop(self) -> None:
        self.hide()


def done_label() -> QLabel:
    label = QLabel("")
    label.setWordWrap(True)
    label.setStyleSheet("color: #1a7f37")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
