"""QuickBooks: the Conductor keys, the company (end user), the setup link, and a passing check.

Nothing tells the app when the person at the QuickBooks PC finishes the Web Connector setup, so
the page keeps checking in the background; Next opens once a health check passes.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWizardPage,
)

from app.domain.errors import UserFacingError, conductor_key_missing
from app.platform.credentials import Secret
from app.quickbooks.setup import (
    QUICKBOOKS_PC_STEPS,
    AuthSession,
    ConductorSetup,
    EndUser,
    HealthCheck,
    save_connection,
)
from app.store.settings import CONDUCTOR_COMPANY_NAME
from app.ui.errors import user_error_for
from app.ui.wizard.context import SetupContext
from app.ui.wizard.widgets import BusyLine, ProblemLabel, done_label

NEW_COMPANY = "__new__"
KEY_MISSING = conductor_key_missing()


class QuickBooksPage(QWizardPage):
    def __init__(self, setup: SetupContext) -> None:
        super().__init__()
        self.setup = setup
        self.setTitle("Connect QuickBooks Desktop")
        self.setSubTitle(
            "The app reaches QuickBooks through Conductor. Enter your Conductor keys, choose the "
            "company file, and finish the setup on the computer that runs QuickBooks."
        )
        self.end_users: list[EndUser] = []
        self.check: HealthCheck | None = None
        self.connected_for: tuple[str, str] | None = None
        self.auth: AuthSession | None = None
        self._secret_key = ""
        self._stop_wait: threading.Event | None = None
        self._generation = 0

        defaults = setup.defaults
        self.key_edit = QLineEdit(defaults.conductor_secret_key)
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("sk_live_… (from the Conductor dashboard)")
        self.publishable_edit = QLineEdit(defaults.conductor_publishable_key)
        self.publishable_edit.setPlaceholderText("pk_live_…")
        self.base_edit = QLineEdit(defaults.conductor_base_url)
        self.find_button = QPushButton("Find companies")
        self.find_button.clicked.connect(self.find_companies)
        keys = QFormLayout()
        keys.addRow("Secret key", self.key_edit)
        keys.addRow("Publishable key", self.publishable_edit)
        keys.addRow("Conductor address", self.base_edit)
        find_row = QHBoxLayout()
        find_row.addWidget(self.find_button)
        find_row.addStretch(1)
        keys.addRow("", find_row)

        self.company_combo = QComboBox()
        self.company_combo.currentIndexChanged.connect(self._company_chosen)
        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText("Company name, as in QuickBooks")
        self.new_email = QLineEdit()
        self.new_email.setPlaceholderText("Email of the person at the QuickBooks computer")
        self.create_button = QPushButton("Add company")
        self.create_button.clicked.connect(self.create_company)
        new_row = QHBoxLayout()
        new_row.addWidget(self.new_name, 2)
        new_row.addWidget(self.new_email, 2)
        new_row.addWidget(self.create_button)
        self.new_box = QGroupBox("New company")
        self.new_box.setLayout(new_row)
        self.new_box.hide()

        steps = "".join(f"<li>{html.escape(s)}</li>" for s in QUICKBOOKS_PC_STEPS)
        self.steps_label = QLabel(f"<ol>{steps}</ol>")
        self.steps_label.setWordWrap(True)
        self.link_button = QPushButton("Open the QuickBooks setup link")
        self.link_button.clicked.connect(self.open_setup_link)
        self.copy_button = QPushButton("Copy link")
        self.copy_button.clicked.connect(self._copy_link)
        self.copy_button.setEnabled(False)
        self.link_label = QLabel("")
        self.link_label.setWordWrap(True)
        self.link_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        link_row = QHBoxLayout()
        link_row.addWidget(self.link_button)
        link_row.addWidget(self.copy_button)
        link_row.addStretch(1)

        self.busy = BusyLine()
        self.check_again = QPushButton("Check again")
        self.check_again.clicked.connect(self.start_checking)
        self.check_again.setEnabled(False)
        self.connected_label = done_label()
        self.problem = ProblemLabel()
        status_row = QHBoxLayout()
        status_row.addWidget(self.check_again)
        status_row.addWidget(self.busy, 1)
        status_row.addStretch(0)
        self.check_again.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

        company = QGroupBox("Company file")
        company_layout = QVBoxLayout(company)
        company_layout.addWidget(self.company_combo)
        company_layout.addWidget(self.new_box)
        company_layout.addWidget(self.steps_label)
        company_layout.addLayout(link_row)
        company_layout.addWidget(self.link_label)

        layout = QVBoxLayout(self)
        layout.addLayout(keys)
        layout.addWidget(company)
        layout.addLayout(status_row)
        layout.addWidget(self.connected_label)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        for edit in (self.key_edit, self.base_edit):
            edit.textEdited.connect(self._keys_changed)
        self._enable()

    # -- page life ------------------------------------------------------------------------------
    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        if self.key_edit.text().strip() or self.setup.defaults.conductor_end_user_id:
            self.find_companies()

    def cleanupPage(self) -> None:  # noqa: N802
        self.stop_checking()

    def isComplete(self) -> bool:  # noqa: N802
        return self.connected_for is not None and self.connected_for == self._current()

    def validatePage(self) -> bool:  # noqa: N802
        end_user = self.chosen_end_user()
        if not self.isComplete() or end_user is None:
            return False
        self.stop_checking()
        try:
            save_connection(
                self.setup.ctx.store,
                self.setup.ctx.credentials,
                secret_key=self._secret_key,
                end_user_id=end_user,
                base_url=self._base_url(),
                publishable_key=self.publishable_edit.text().strip() or None,
            )
        except Exception as exc:
            self.problem.show_error(user_error_for(exc))
            return False
        self.setup.ctx.store.set(CONDUCTOR_COMPANY_NAME, self.company_combo.currentText())
        self.setup.controller.settings_changed()
        return True

    # -- state ------------------------------------------------------------------------------------
    def chosen_end_user(self) -> str | None:
        value = self.company_combo.currentData()
        return value if value and value != NEW_COMPANY else None

    def _base_url(self) -> str:
        return self.base_edit.text().strip().rstrip("/")

    def _current(self) -> tuple[str, str] | None:
        end_user = self.chosen_end_user()
        return (self._base_url(), end_user) if end_user else None

    def _keys_changed(self) -> None:
        self._generation += 1
        self.stop_checking()
        self.connected_for = None
        self.connected_label.setText("")
        self._enable()
        self.completeChanged.emit()

    def _enable(self) -> None:
        has_user = self.chosen_end_user() is not None
        self.link_button.setEnabled(has_user and bool(self.publishable_edit.text().strip()))
        self.check_again.setEnabled(has_user and bool(self._secret_key))

    def _background(
        self,
        work: Callable[[str, Callable[[object], None]], object],
        on_result: Callable[[object], None],
        *,
        name: str,
        on_progress: Callable[[object], None] | None = None,
    ) -> None:
        """Runs `work(secret_key, report)` on a worker; answers after a change are dropped."""
        generation = self._generation
        typed = self.key_edit.text().strip()
        credentials = self.setup.ctx.credentials

        def run(report: Callable[[object], None]) -> tuple[str, object]:
            key = typed or credentials.get(Secret.CONDUCTOR_SECRET_KEY) or ""
            if not key:
                raise UserFacingError(KEY_MISSING)
            return key, work(key, report)

        def result(value: tuple[str, object]) -> None:
            if generation == self._generation:
                self._secret_key = value[0]
                on_result(value[1])

        def progress(value: object) -> None:
            if generation == self._generation and on_progress is not None:
                on_progress(value)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.busy.stop()
                self.problem.show_error(user_error_for(exc))
                self._enable()

        self.setup.controller.background.start(
            run, name=name, on_result=result, on_error=failed, on_progress=progress, owner=self
        )

    # -- companies --------------------------------------------------------------------------------
    def find_companies(self) -> None:
        self._generation += 1
        self.stop_checking()
        self.problem.clear_error()
        self.busy.start("Asking Conductor for your companies…")
        base = self._base_url()

        def work(key: str, _report: Callable[[object], None]) -> list[EndUser]:
            with ConductorSetup(key, base) as conductor:
                return conductor.end_users()

        self._background(work, self._companies_found, name="conductor-end-users")

    def _companies_found(self, end_users: object) -> None:
        assert isinstance(end_users, list)
        self.end_users = end_users
        self.busy.stop()
        wanted = self.chosen_end_user() or self.setup.defaults.conductor_end_user_id
        self.company_combo.blockSignals(True)
        self.company_combo.clear()
        for user in end_users:
            self.company_combo.addItem(user.company_name, user.id)
        self.company_combo.addItem("Add a company…", NEW_COMPANY)
        index = self.company_combo.findData(wanted) if wanted else -1
        self.company_combo.setCurrentIndex(index if index >= 0 else 0)
        self.company_combo.blockSignals(False)
        self._company_chosen()

    def _company_chosen(self) -> None:
        self.new_box.setVisible(self.company_combo.currentData() == NEW_COMPANY)
        self.connected_for = None
        self.connected_label.setText("")
        self.link_label.setText("")
        self.copy_button.setEnabled(False)
        self.auth = None
        self._enable()
        self.completeChanged.emit()
        if self.chosen_end_user() is not None:
            self.start_checking()

    def create_company(self) -> None:
        name, email = self.new_name.text().strip(), self.new_email.text().strip()
        if not name or not email:
            self.problem.show_text("Enter the company's name and an email address.")
            return
        self.problem.clear_error()
        self.busy.start(f"Adding {name} to Conductor…")
        base = self._base_url()

        def work(key: str, _report: Callable[[object], None]) -> EndUser:
            with ConductorSetup(key, base) as conductor:
                return conductor.create_end_user(name, email)

        def created(user: object) -> None:
            assert isinstance(user, EndUser)
            self.end_users.append(user)
            self.company_combo.blockSignals(True)
            self.company_combo.insertItem(
                self.company_combo.count() - 1, user.company_name, user.id
            )
            self.company_combo.setCurrentIndex(self.company_combo.findData(user.id))
            self.company_combo.blockSignals(False)
            self._company_chosen()

        self._background(work, created, name="conductor-create-end-user")

    # -- the setup link ---------------------------------------------------------------------------
    def open_setup_link(self) -> None:
        end_user = self.chosen_end_user()
        publishable = self.publishable_edit.text().strip()
        if end_user is None or not publishable:
            return
        if self.auth is not None:
            self.setup.open_url(self.auth.auth_flow_url)
            return
        base = self._base_url()

        def work(key: str, _report: Callable[[object], None]) -> AuthSession:
            with ConductorSetup(key, base) as conductor:
                return conductor.start_auth_session(end_user, publishable)

        def started(session: object) -> None:
            assert isinstance(session, AuthSession)
            self.auth = session
            self.link_label.setText(
                "Open this link on the QuickBooks computer (it works for one day):<br>"
                f"<a href='{html.escape(session.auth_flow_url)}'>"
                f"{html.escape(session.auth_flow_url)}</a>"
            )
            self.copy_button.setEnabled(True)
            self.setup.open_url(session.auth_flow_url)

        self._background(work, started, name="conductor-auth-session")

    def _copy_link(self) -> None:
        if self.auth is not None:
            QGuiApplication.clipboard().setText(self.auth.auth_flow_url)

    # -- the health check -------------------------------------------------------------------------
    def start_checking(self) -> None:
        end_user = self.chosen_end_user()
        if end_user is None:
            return
        self.stop_checking()
        self._generation += 1
        stop = self._stop_wait = threading.Event()
        wanted = self._current()
        base = self._base_url()
        self.problem.clear_error()
        self.busy.start("Checking the connection to QuickBooks…")

        def work(key: str, report: Callable[[object], None]) -> HealthCheck:
            with ConductorSetup(key, base) as conductor:
                return conductor.wait_until_connected(end_user, stop=stop, on_check=report)

        def checked(check: object) -> None:
            if isinstance(check, HealthCheck):
                self._show_check(check)

        def done(check: object) -> None:
            assert isinstance(check, HealthCheck)
            self.busy.stop()
            self._show_check(check)
            if check.ok:
                self.connected_for = wanted
                self.completeChanged.emit()

        self._background(work, done, name="quickbooks-health", on_progress=checked)
        self._enable()

    def stop_checking(self) -> None:
        if self._stop_wait is not None:
            self._stop_wait.set()
            self._stop_wait = None
        self.busy.stop()

    def _show_check(self, check: HealthCheck) -> None:
        self.check = check
        if check.ok:
            self.problem.clear_error()
            company = self.company_combo.currentText()
            self.connected_label.setText(
                f"Connected: QuickBooks answered for {company} in {answer_time(check)}."
            )
            return
        self.connected_label.setText("")
        if check.error is not None:
            self.problem.show_error(check.error)
        if self._stop_wait is not None:
            self.busy.start("Waiting for QuickBooks. This page checks again by itself…")


def answer_time(check: HealthCheck) -> str:
    milliseconds = check.duration_ms or 0
    if milliseconds < 1000:
        return f"{milliseconds:.0f} ms"
    return f"{milliseconds / 1000:.1f} s"
