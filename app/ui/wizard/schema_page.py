"""Check Salesforce: does the organisation have the objects and fields the sync writes?

When something is missing and the signed-in user may change the org's setup, "Add them for me"
deploys the app's package and checks again. When they may not, the page says who can, copies the
instructions for them, and lets the bookkeeper carry on with the workflows Salesforce already
has everything for, turning the others off. The record type of new accounts is chosen here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from app.domain.user_error import UserFacingError
from app.domain.workflows import ACCOUNT, WorkflowId
from app.engine.engine import SyncEngine
from app.salesforce.metadata_deploy import (
    DeployPermission,
    DeployStatus,
    deploy_package,
    deploy_permission,
)
from app.salesforce.metadata_package import PACKAGE_FOLDER, package_zip, write_zip
from app.salesforce.schema_check import SchemaReport, check_schema
from app.salesforce.schema_ready import workflows_ready
from app.store.settings import ACCOUNT_RECORD_TYPE
from app.ui.errors import user_error_for
from app.ui.opener import open_folder
from app.ui.preferences import Preferences
from app.ui.resources import resource_path
from app.ui.wizard import schema_texts
from app.ui.wizard.context import SetupContext
from app.ui.wizard.widgets import BusyLine, ProblemLabel, done_label

#: Salesforce's choice when no record type is named: the user's default.
DEFAULT_RECORD_TYPE = ""


@dataclass(frozen=True)
class Findings:
    report: SchemaReport
    permission: DeployPermission | None = None
    #: (developer name, label) of the active account record types.
    record_types: list[tuple[str, str]] = field(default_factory=list)
    ready: dict[WorkflowId, bool] = field(default_factory=dict)


def _rich_label() -> QLabel:
    label = QLabel("")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class SchemaPage(QWizardPage):
    def __init__(self, setup: SetupContext) -> None:
        super().__init__()
        self.setup = setup
        self.findings: Findings | None = None
        self.deploy_status: DeployStatus | None = None
        self.checking = False
        self.deploying = False
        self.carrying_on = False
        #: Seconds between checkDeployStatus polls.
        self.poll_s = 2.0
        self.setTitle("Check Salesforce")
        self.setSubTitle(
            "The sync keeps QuickBooks ids, invoices and payments in fields and objects of its own."
        )
        self.busy = BusyLine()
        self.ok_label = done_label()
        self.missing_label = _rich_label()
        self.who_label = _rich_label()
        self.result_label = _rich_label()
        self.carry_on_label = _rich_label()
        self.problem = ProblemLabel()
        self.deploy_button = QPushButton("Add them for me")
        self.deploy_button.clicked.connect(self.start_deploy)
        self.check_again = QPushButton("Check again")
        self.check_again.clicked.connect(self.start_check)
        self.copy_button = QPushButton("Copy instructions")
        self.copy_button.clicked.connect(self.copy_instructions)
        self.open_package = QPushButton("Open the package folder")
        self.open_package.clicked.connect(self.open_package_folder)
        self.carry_on_button = QPushButton("Carry on without them")
        self.carry_on_button.clicked.connect(self.carry_on)
        self.record_type_label = QLabel("Record type of new accounts:")
        self.record_type = QComboBox()
        buttons = QHBoxLayout()
        for button in (self.deploy_button, self.copy_button, self.check_again, self.open_package):
            buttons.addWidget(button)
        buttons.addStretch(1)
        carry_on = QHBoxLayout()
        carry_on.addWidget(self.carry_on_button)
        carry_on.addStretch(1)
        record_type = QHBoxLayout()
        record_type.addWidget(self.record_type_label)
        record_type.addWidget(self.record_type, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.busy)
        layout.addWidget(self.ok_label)
        layout.addWidget(self.result_label)
        layout.addWidget(self.missing_label)
        layout.addWidget(self.who_label)
        layout.addLayout(buttons)
        layout.addWidget(self.problem)
        layout.addWidget(self.carry_on_label)
        layout.addLayout(carry_on)
        layout.addLayout(record_type)
        layout.addStretch(1)
        self._show_actions()

    @property
    def report(self) -> SchemaReport | None:
        return self.findings.report if self.findings is not None else None

    @property
    def package_folder(self) -> Any:
        return resource_path(*PACKAGE_FOLDER)

    def open_package_folder(self) -> None:
        open_folder(self.package_folder)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        self.carrying_on = False
        self.start_check()

    def isComplete(self) -> bool:  # noqa: N802
        if self.checking or self.deploying or self.findings is None:
            return False
        return self.findings.report.ok or self.carrying_on

    def validatePage(self) -> bool:  # noqa: N802
        if self.record_type.count() > 1:
            chosen = self.record_type.currentData()
            self.setup.ctx.store.set(ACCOUNT_RECORD_TYPE, str(chosen or DEFAULT_RECORD_TYPE))
        return True

    # -- checking -------------------------------------------------------------------------------
    def start_check(self, keep_result: bool = False) -> None:
        """`keep_result`: the check after a deploy keeps the deploy's result in view."""
        if self.checking or self.deploying:
            return
        if not keep_result:
            self.result_label.setText("")
        self.checking = True
        self.findings = None
        self.completeChanged.emit()
        self.problem.clear_error()
        for label in (self.ok_label, self.missing_label, self.who_label, self.carry_on_label):
            label.setText("")
        self._show_actions()
        self.busy.start("Asking Salesforce which objects and fields it has…")
        provider = self.setup.controller.provider

        def work(_report: Callable[[object], None]) -> Findings:
            engine: SyncEngine = provider.get()
            report = check_schema(engine.salesforce, mapping=engine.mapping)
            account = engine.salesforce.describe(ACCOUNT.name) or {}
            record_types = [
                (str(info["developerName"]), str(info["name"]))
                for info in account.get("recordTypeInfos", [])
                if info.get("active") and not info.get("master")
            ]
            if report.ok:
                return Findings(report, record_types=record_types)
            return Findings(
                report,
                permission=deploy_permission(engine.salesforce),
                record_types=record_types,
                ready=workflows_ready(report, engine.mapping),
            )

        self.setup.controller.background.start(
            work, name="schema-check", on_result=self._checked, on_error=self._failed, owner=self
        )

    def _checked(self, findings: Findings) -> None:
        self.checking = False
        self.busy.stop()
        self.findings = findings
        report = findings.report
        if report.ok:
            self.carrying_on = False
            self.ok_label.setText(
                f"Salesforce has everything the sync needs ({len(report.checked)} objects checked)."
            )
        else:
            self.missing_label.setText(schema_texts.report_html(report))
            may = findings.permission is not None and findings.permission.may_deploy
            self.who_label.setText(
                schema_texts.can_deploy_html() if may else schema_texts.cannot_deploy_html()
            )
            self.carry_on_label.setText(schema_texts.carry_on_html(findings.ready))
        self._fill_record_types(findings.record_types)
        self._show_actions()
        self.completeChanged.emit()

    def _fill_record_types(self, record_types: list[tuple[str, str]]) -> None:
        saved = self.setup.ctx.store.get(ACCOUNT_RECORD_TYPE)
        self.record_type.clear()
        self.record_type.addItem("Salesforce's default for the signed-in user", DEFAULT_RECORD_TYPE)
        for developer_name, label in record_types:
            self.record_type.addItem(label, developer_name)
        index = self.record_type.findData(saved)
        self.record_type.setCurrentIndex(max(index, 0))

    def _failed(self, exc: BaseException) -> None:
        self.checking = False
        self.deploying = False
        self.busy.stop()
        error = exc.error if isinstance(exc, UserFacingError) else user_error_for(exc)
        self.problem.show_error(error)
        self._show_actions()
        self.completeChanged.emit()

    # -- deploying ------------------------------------------------------------------------------
    def start_deploy(self) -> None:
        if self.checking or self.deploying:
            return
        self.deploying = True
        self.deploy_status = None
        self.result_label.setText("")
        self.problem.clear_error()
        self.completeChanged.emit()
        self._show_actions()
        self.busy.start("Sending the package to Salesforce…")
        provider = self.setup.controller.provider
        folder, poll_s = self.package_folder, self.poll_s

        def work(report_progress: Callable[[object], None]) -> DeployStatus:
            engine: SyncEngine = provider.get()
            return deploy_package(
                engine.salesforce, package_zip(folder), report_progress, poll_s=poll_s
            )

        self.setup.controller.background.start(
            work,
            name="schema-deploy",
            on_progress=self._deploy_progress,
            on_result=self._deployed,
            on_error=self._failed,
            owner=self,
        )

    def _deploy_progress(self, status: DeployStatus) -> None:
        self.deploy_status = status
        self.busy.start(status.plain())

    def _deployed(self, status: DeployStatus) -> None:
        self.deploying = False
        self.deploy_status = status
        self.busy.stop()
        self.result_label.setText(schema_texts.deploy_result_html(status))
        self.result_label.setStyleSheet("" if status.succeeded else "color: #b42318")
        if status.deployed:
            self.start_check(keep_result=True)
        else:
            self._show_actions()
            self.completeChanged.emit()

    # -- no permission ------------------------------------------------------------------------
    def copy_instructions(self) -> str:
        report = self.report
        if report is None:
            return ""
        folder = self.package_folder
        zip_file = write_zip(folder, self.setup.ctx.paths.data_dir / "salesforce-package")
        text = schema_texts.instructions(report, folder, zip_file)
        QGuiApplication.clipboard().setText(text)
        self.copy_button.setText("Copied")
        return text

    def carry_on(self) -> None:
        """Turn off the workflows the org lacks fields for; keep the others as they were."""
        if self.findings is None or not any(self.findings.ready.values()):
            return
        preferences = Preferences.load(self.setup.ctx.store)
        for workflow_id, ready in self.findings.ready.items():
            if not ready:
                preferences.workflows[workflow_id] = False
        preferences.save(self.setup.ctx.store)
        self.carrying_on = True
        self.carry_on_button.setText("Carrying on without them")
        self.completeChanged.emit()

    # -- which buttons show -------------------------------------------------------------------
    def _show_actions(self) -> None:
        findings = self.findings
        missing = findings is not None and not findings.report.ok
        may = missing and findings.permission is not None and findings.permission.may_deploy
        busy = self.checking or self.deploying
        self.deploy_button.setVisible(bool(may))
        self.deploy_button.setEnabled(not busy)
        self.copy_button.setVisible(missing and not may)
        self.copy_button.setText("Copy instructions")
        self.open_package.setVisible(missing and not may)
        self.check_again.setEnabled(not busy)
        can_carry_on = missing and not may and any(findings.ready.values())  # type: ignore[union-attr]
        self.carry_on_label.setVisible(missing and not may)
        self.carry_on_button.setVisible(bool(can_carry_on))
        self.carry_on_button.setText("Carry on without them")
        # An empty label would still take its share of the spacing.
        for label in (self.ok_label, self.result_label, self.missing_label, self.who_label):
            label.setVisible(bool(label.text()))
        has_types = self.record_type.count() > 1
        self.record_type_label.setVisible(has_types)
        self.record_type.setVisible(has_types)
