"""Salesforce: sign in in the browser (PKCE, loopback listener) and show who is connected.

Next stays off until the sign-in succeeded. While the app waits for the browser, a busy bar
counts down; "Open browser again" and "Copy link" help when the browser did not come up. Leaving
the page backwards cancels a sign-in still waiting.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from app.engine.connections import trust_store
from app.salesforce.oauth import (
    LOGIN_HOST_CHOICES,
    SIGN_IN_TIMEOUT_S,
    LoginHostError,
    SalesforceSignIn,
    SignedIn,
    save_sign_in,
)
from app.store.settings import SALESFORCE_ORG_ID, SALESFORCE_USERNAME
from app.ui.errors import user_error_for
from app.ui.wizard.context import SetupContext
from app.ui.wizard.widgets import BusyLine, ProblemLabel, done_label


class SalesforcePage(QWizardPage):
    def __init__(self, setup: SetupContext, *, timeout_s: float = SIGN_IN_TIMEOUT_S) -> None:
        super().__init__()
        self.setup = setup
        self.timeout_s = timeout_s
        self.setTitle("Sign in to Salesforce")
        self.setSubTitle(
            "Sign in in your browser as the Salesforce user the sync should act as. The app keeps "
            "only a sign-in token, in this computer's password store."
        )
        self.sign_in: SalesforceSignIn | None = None
        self.signed_in: SignedIn | None = None
        self.connected_as = ""
        self._remaining = 0
        self._generation = 0

        defaults = setup.defaults
        self.host_combo = QComboBox()
        self.host_combo.setEditable(True)
        self.host_combo.addItems(list(LOGIN_HOST_CHOICES))
        self.host_combo.setCurrentText(defaults.salesforce_login_url)
        self.host_combo.setToolTip(
            "production, sandbox, or your My Domain address (https://yourcompany.my.salesforce.com)"
        )
        self.key_edit = QLineEdit(defaults.salesforce_client_id)
        self.key_edit.setPlaceholderText("Consumer key of the app's Salesforce External Client App")
        form = QFormLayout()
        form.addRow("Sign in at", self.host_combo)
        form.addRow("Consumer key", self.key_edit)

        self.sign_in_button = QPushButton("Sign in with Salesforce")
        self.sign_in_button.clicked.connect(self.start_sign_in)
        self.again_button = QPushButton("Open browser again")
        self.again_button.clicked.connect(self.open_browser)
        self.copy_button = QPushButton("Copy link")
        self.copy_button.clicked.connect(self.copy_link)
        self.cancel_button = QPushButton("Cancel sign-in")
        self.cancel_button.clicked.connect(self.cancel_sign_in)
        buttons = QHBoxLayout()
        for button in (
            self.sign_in_button,
            self.again_button,
            self.copy_button,
            self.cancel_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.busy = BusyLine()
        self.link_label = QLabel("")
        self.link_label.setWordWrap(True)
        self.connected_label = done_label()
        self.problem = ProblemLabel()
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.busy)
        layout.addWidget(self.link_label)
        layout.addWidget(self.connected_label)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        self.host_combo.currentTextChanged.connect(self._changed)
        self.key_edit.textEdited.connect(self._changed)
        self._enable()

    # -- page life ------------------------------------------------------------------------------
    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        username = self.setup.ctx.store.get(SALESFORCE_USERNAME)
        if username and not self.connected_as and self.setup.renew_sign_in:
            self.link_label.setText(
                f"Salesforce no longer accepts the sign-in of {html.escape(username)}: "
                "click Sign in with Salesforce to renew it."
            )
            self.sign_in_button.setFocus()
        elif username and not self.connected_as:
            org = self.setup.ctx.store.get(SALESFORCE_ORG_ID)
            self._show_connected(username, org)

    def cleanupPage(self) -> None:  # noqa: N802
        self.cancel_sign_in()

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self.connected_as) and self.sign_in is None

    @property
    def waiting(self) -> bool:
        return self.sign_in is not None

    # -- sign-in --------------------------------------------------------------------------------
    def start_sign_in(self) -> None:
        self.cancel_sign_in()
        self.problem.clear_error()
        try:
            sign_in = SalesforceSignIn(
                self.host_combo.currentText(),
                self.key_edit.text(),
                port=self.setup.defaults.sign_in_port,
                verify=trust_store(self.setup.ctx.paths.data_dir),
                timeout_s=self.timeout_s,
            )
        except LoginHostError as exc:
            self.problem.show_text(str(exc))
            return
        except ValueError:
            self.problem.show_text("Enter the consumer key of the app's Salesforce app.")
            return
        try:
            sign_in.start()
        except Exception as exc:
            sign_in.close()
            self.problem.show_error(user_error_for(exc))
            return
        self.sign_in = sign_in
        self._generation += 1
        generation = self._generation
        self.connected_as = ""
        self.connected_label.setText("")
        self.completeChanged.emit()
        self._remaining = int(self.timeout_s)
        self._countdown.start()
        self._tick()
        self.link_label.setText(
            "If no browser window opened, copy the link and open it in your browser."
        )

        def wait(_report: Callable[[object], None]) -> SignedIn:
            try:
                return sign_in.wait()
            finally:
                # Closing waits until the browser has its answer page, so it happens here.
                sign_in.close()

        self.setup.controller.background.start(
            wait,
            name="salesforce-sign-in",
            on_result=lambda signed: self._signed_in(generation, signed),
            on_error=lambda exc: self._failed(generation, exc),
            owner=self,
        )
        self.open_browser()
        self._enable()

    def open_browser(self) -> None:
        if self.sign_in is not None:
            self.setup.open_url(self.sign_in.url)

    def copy_link(self) -> None:
        if self.sign_in is not None:
            QGuiApplication.clipboard().setText(self.sign_in.url)

    def cancel_sign_in(self) -> None:
        if self.sign_in is not None:
            self.sign_in.cancel()
        self._generation += 1
        self._finish_waiting()

    def _signed_in(self, generation: int, signed: SignedIn) -> None:
        if generation != self._generation:
            return
        self._finish_waiting()
        try:
            save_sign_in(self.setup.ctx.store, self.setup.ctx.credentials, signed)
        except Exception as exc:
            self.problem.show_error(user_error_for(exc))
            return
        self.signed_in = signed
        self.setup.controller.settings_changed()
        self._show_connected(signed.identity.username, signed.identity.org_id)
        wizard = self.wizard()
        if wizard is not None:
            wizard.raise_()
            wizard.activateWindow()
            # The next step, not "< Back", has the focus once signed in.
            ahead = wizard.button(QWizard.WizardButton.NextButton)
            if wizard.nextId() == -1:
                ahead = wizard.button(QWizard.WizardButton.FinishButton)
            ahead.setFocus()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._finish_waiting()
        self.problem.show_error(user_error_for(exc))

    def _finish_waiting(self) -> None:
        self.sign_in = None
        self._countdown.stop()
        self.busy.stop()
        self.link_label.setText("")
        self._enable()
        self.completeChanged.emit()

    def _show_connected(self, username: str, org_id: str) -> None:
        self.connected_as = username
        org = f" (organisation {html.escape(org_id)})" if org_id else ""
        self.connected_label.setText(f"Connected as {html.escape(username)}{org}.")
        self.sign_in_button.setText("Sign in again")
        self._enable()
        self.completeChanged.emit()

    def _changed(self) -> None:
        if self.sign_in is not None:
            self.cancel_sign_in()

    def _tick(self) -> None:
        self._remaining = max(self._remaining - 1, 0)
        self.busy.start(
            f"Waiting for you to sign in in the browser… {self._remaining // 60}:"
            f"{self._remaining % 60:02d} left"
        )

    def _enable(self) -> None:
        waiting = self.sign_in is not None
        self.again_button.setVisible(waiting)
        self.copy_button.setVisible(waiting)
        self.cancel_button.setVisible(waiting)
        self.sign_in_button.setEnabled(not waiting)
