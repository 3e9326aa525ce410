"""An error as the person sees it: title, what happened, what to do, the button that fixes it,
the details behind "Show details", and "Copy details" for support."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.domain.user_error import ErrorAction, UserError

#: The notifications say "close it, then click Try again": this is that button.
RETRY_LABEL = "Try again"
#: Actions after which the dialog has done its job and closes.
_CLOSING = {ErrorAction.RETRY, ErrorAction.RECONNECT_SALESFORCE, ErrorAction.OPEN_SETUP}


class ErrorActions(Protocol):
    def open_quickbooks_help(self, error: UserError) -> None: ...

    def reconnect_salesforce(self) -> None: ...

    def open_setup(self) -> None: ...

    def open_logs(self) -> None: ...


def perform(
    action: ErrorAction,
    error: UserError,
    actions: ErrorActions,
    retry: Callable[[], None] | None,
) -> None:
    if action is ErrorAction.RETRY and retry is not None:
        retry()
    elif action is ErrorAction.OPEN_QUICKBOOKS_HELP:
        actions.open_quickbooks_help(error)
    elif action is ErrorAction.RECONNECT_SALESFORCE:
        actions.reconnect_salesforce()
    elif action is ErrorAction.OPEN_SETUP:
        actions.open_setup()
    elif action is ErrorAction.OPEN_LOGS:
        actions.open_logs()
    elif action is ErrorAction.COPY_DETAILS:
        QGuiApplication.clipboard().setText(error.copy_text())


class ErrorDialog(QDialog):
    acted = Signal(str)  # the ErrorAction performed

    def __init__(
        self,
        error: UserError,
        actions: ErrorActions,
        *,
        retry: Callable[[], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.error = error
        self._actions = actions
        self._retry = retry
        self._button_action = error.action
        self.setWindowTitle(error.title)
        self.setMinimumWidth(460)

        icon = QLabel()
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(40, 40)
        )
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.title_label = QLabel(f"<b>{html.escape(error.title)}</b>")
        self.title_label.setTextFormat(Qt.TextFormat.RichText)
        self.happened_label = _text(error.what_happened)
        self.todo_label = _text(error.what_to_do)
        words = QVBoxLayout()
        words.addWidget(self.title_label)
        words.addWidget(self.happened_label)
        words.addWidget(self.todo_label)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addLayout(words, 1)

        self.details = QPlainTextEdit(error.details or error.copy_text())
        self.details.setReadOnly(True)
        self.details.setVisible(False)
        self.details.setMinimumHeight(140)

        self.action_button = self._action_button(error.action)
        self.retry_button = QPushButton(RETRY_LABEL)
        self.retry_button.setVisible(
            retry is not None and error.retryable and error.action is not ErrorAction.RETRY
        )
        self.retry_button.clicked.connect(self._retry_clicked)
        self.copy_button = QPushButton(ErrorAction.COPY_DETAILS.label)
        self.copy_button.setVisible(error.action is not ErrorAction.COPY_DETAILS)
        self.copy_button.clicked.connect(self._copy_clicked)
        self.details_button = QPushButton("Show details")
        self.details_button.setCheckable(True)
        self.details_button.toggled.connect(self._toggle_details)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)

        buttons = QHBoxLayout()
        buttons.addWidget(self.details_button)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.retry_button)
        if self.action_button is not None:
            buttons.addWidget(self.action_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.details, 1)
        layout.addLayout(buttons)
        (self.action_button or self.close_button).setDefault(True)

    def show_error(self, error: UserError) -> None:
        """The problem changed while the dialog was open: show it as it is now."""
        self.error = error
        self.setWindowTitle(error.title)
        self.title_label.setText(f"<b>{html.escape(error.title)}</b>")
        self.happened_label.setText(error.what_happened)
        self.todo_label.setText(error.what_to_do)
        self.details.setPlainText(error.details or error.copy_text())

    def solved(self) -> None:
        """The problem is gone (a check passed): the dialog has nothing left to say."""
        self.accept()

    def _action_button(self, action: ErrorAction) -> QPushButton | None:
        if action is ErrorAction.NONE or (action is ErrorAction.RETRY and self._retry is None):
            return None
        button = QPushButton(action.label)
        button.clicked.connect(self._action_clicked)
        return button

    # Bound methods, not lambdas holding the dialog: such a connection kept it alive until exit.
    def _action_clicked(self) -> None:
        self._act(self._button_action)

    def _retry_clicked(self) -> None:
        self._act(ErrorAction.RETRY)

    def _copy_clicked(self) -> None:
        self._act(ErrorAction.COPY_DETAILS)

    def _act(self, action: ErrorAction) -> None:
        perform(action, self.error, self._actions, self._retry)
        self.acted.emit(action.value)
        if action in _CLOSING:
            self.accept()

    def _toggle_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText("Hide details" if shown else "Show details")
        self.adjustSize()


def _text(value: str) -> QLabel:
    label = QLabel(value)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
