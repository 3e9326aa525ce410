"""Check Salesforce: does the organisation have the objects and fields the sync writes?

When something is missing, the page lists it and says how to deploy the app's Salesforce
package; "Check again" repeats the check once the administrator has deployed it.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWizardPage

from app.engine.engine import SyncEngine
from app.salesforce.schema_check import SchemaReport, check_schema
from app.ui.errors import user_error_for
from app.ui.opener import open_folder
from app.ui.resources import resource_path
from app.ui.wizard.context import SetupContext
from app.ui.wizard.widgets import BusyLine, ProblemLabel, done_label

PACKAGE_DIR = ("salesforce",)


def deploy_instructions() -> str:
    package = resource_path(*PACKAGE_DIR)
    return (
        "<p>The app ships a Salesforce package that adds all of them. A Salesforce "
        "administrator deploys it once, with the Salesforce command line:</p>"
        # pre-wrap: a long install path wraps instead of running off the page.
        '<p style="white-space: pre-wrap; font-family: monospace">'
        f'sf project deploy start --source-dir "{html.escape(str(package))}" '
        "--target-org YOUR-ORG</p>"
        "<p>or with any deployment tool (Workbench, VS Code). Then click Check again.</p>"
    )


def report_html(report: SchemaReport) -> str:
    rows = []
    for sobject, fields in sorted(report.missing.items()):
        what = ", ".join(fields) if fields else "the whole object"
        rows.append(f"<li><b>{html.escape(sobject)}</b>: {html.escape(what)}</li>")
    for sobject, fields in sorted(report.not_external.items()):
        listed = ", ".join(fields)
        rows.append(
            f"<li><b>{html.escape(sobject)}</b>: {html.escape(listed)} must be an External ID "
            "field</li>"
        )
    return f"<p>Salesforce is missing what this app needs:</p><ul>{''.join(rows)}</ul>"


class SchemaPage(QWizardPage):
    def __init__(self, setup: SetupContext) -> None:
        super().__init__()
        self.setup = setup
        self.report: SchemaReport | None = None
        self.checking = False
        self.setTitle("Check Salesforce")
        self.setSubTitle(
            "The sync keeps QuickBooks ids, invoices and payments in fields and objects of its own."
        )
        self.busy = BusyLine()
        self.ok_label = done_label()
        self.missing_label = QLabel("")
        self.missing_label.setWordWrap(True)
        self.missing_label.setTextFormat(Qt.TextFormat.RichText)
        self.missing_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem = ProblemLabel()
        self.check_again = QPushButton("Check again")
        self.check_again.clicked.connect(self.start_check)
        self.open_package = QPushButton("Open the package folder")
        self.open_package.clicked.connect(lambda: open_folder(resource_path(*PACKAGE_DIR)))
        self.open_package.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.check_again)
        buttons.addWidget(self.open_package)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.busy)
        layout.addWidget(self.ok_label)
        layout.addWidget(self.missing_label)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        self.start_check()

    def isComplete(self) -> bool:  # noqa: N802
        return not self.checking and self.report is not None and self.report.ok

    def start_check(self) -> None:
        if self.checking:
            return
        self.checking = True
        self.report = None
        self.completeChanged.emit()
        self.problem.clear_error()
        self.ok_label.setText("")
        self.missing_label.setText("")
        self.open_package.hide()
        self.check_again.setEnabled(False)
        self.busy.start("Asking Salesforce which objects and fields it has…")
        provider = self.setup.controller.provider

        def work(_report: Callable[[object], None]) -> SchemaReport:
            engine: SyncEngine = provider.get()
            return check_schema(engine.salesforce, mapping=engine.mapping)

        self.setup.controller.background.start(
            work, name="schema-check", on_result=self._checked, on_error=self._failed, owner=self
        )

    def _checked(self, report: SchemaReport) -> None:
        self._done()
        self.report = report
        if report.ok:
            self.ok_label.setText(
                f"Salesforce has everything the sync needs ({len(report.checked)} objects checked)."
            )
        else:
            self.missing_label.setText(report_html(report) + deploy_instructions())
            self.open_package.show()
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self._done()
        self.problem.show_error(user_error_for(exc))
        self.completeChanged.emit()

    def _done(self) -> None:
        self.checking = False
        self.busy.stop()
        self.check_again.setEnabled(True)
