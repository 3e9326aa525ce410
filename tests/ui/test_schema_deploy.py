"""The Salesforce check step against the sandbox org, real widgets and real HTTPS: a user who may
change the org's setup adds the missing fields from the app; one who may not gets instructions
for an administrator and carries on with the workflows Salesforce already has fields for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app.domain.outcomes import Outcome
from app.domain.workflows import ACCOUNT, CREDIT_MEMO, PAYMENT, WorkflowId
from app.engine.result import RunStatus
from app.salesforce.metadata_package import PERMISSION_SET
from app.sandbox.launcher import Sandboxes
from app.sandbox.salesforce.permissions import ADMINISTRATOR, STANDARD_USER
from app.store.settings import ACCOUNT_RECORD_TYPE, WORKFLOWS
from app.ui.menu import MenuAction
from app.ui.shell import Shell
from app.ui.wizard.schema_page import SchemaPage
from app.ui.wizard.wizard import PageId, SetupWizard

WAIT = 60_000
MISSING = [PAYMENT.name, CREDIT_MEMO.name, ACCOUNT.path(ACCOUNT.balance)]


def schema_page(qtbot: Any, shell: Shell) -> tuple[SetupWizard, SchemaPage]:
    wizard = shell.open_wizard("schema")
    assert isinstance(wizard, SetupWizard) and wizard.currentId() == PageId.SCHEMA
    page = wizard.schema
    qtbot.waitUntil(lambda: page.findings is not None and not page.checking, timeout=WAIT)
    return wizard, page


def metadata_calls(sandboxes: Sandboxes) -> int:
    return sum(1 for r in sandboxes.salesforce.requests() if "/services/Soap/m/" in r["path"])


def test_without_permission_the_instructions_and_the_remaining_workflows(
    qtbot: Any, shell: Shell, sandboxes: Sandboxes
) -> None:
    org = sandboxes.salesforce
    org.set_config(missing=[PAYMENT.name, CREDIT_MEMO.name], user_profile=STANDARD_USER)
    try:
        wizard, page = schema_page(qtbot, shell)
        assert page.report is not None and not page.report.ok
        assert not page.isComplete()
        assert not page.deploy_button.isVisible()
        assert "Only a Salesforce administrator can add them" in page.who_label.text()
        assert page.copy_button.isVisible()

        qtbot.mouseClick(page.copy_button, Qt.MouseButton.LeftButton)
        copied = QGuiApplication.clipboard().text()
        assert f"{PAYMENT.name}: the whole object" in copied
        zip_line = next(line for line in copied.splitlines() if "the zip file:" in line)
        zip_path = zip_line.split("the zip file:", 1)[1].strip()
        assert zip_path.endswith(".zip")
        assert page.setup.ctx.paths.data_dir in Path(zip_path).parents

        assert "Payments" in page.carry_on_label.text()
        assert page.carry_on_button.isVisible()
        qtbot.mouseClick(page.carry_on_button, Qt.MouseButton.LeftButton)
        assert page.isComplete()
        saved = shell.ctx.store.get(WORKFLOWS)
        assert saved[WorkflowId.PAYMENTS] is False
        assert saved[WorkflowId.CREDIT_MEMOS] is False
        assert saved.get(WorkflowId.INVOICES, True) is True
        assert metadata_calls(sandboxes) == 0
        wizard.reject()

        with qtbot.waitSignal(shell.controller.run_finished, timeout=WAIT) as synced:
            shell.trigger(MenuAction.SYNC_NOW)
        result = synced.args[1]
        assert result.status is RunStatus.SUCCEEDED, result.error
        assert result.count(Outcome.CREATED, WorkflowId.INVOICES) > 0
        assert WorkflowId.PAYMENTS not in result.counts
        assert WorkflowId.CREDIT_MEMOS not in result.counts
        assert org.records(PAYMENT.name) == []
    finally:
        org.set_config(missing=[], user_profile=ADMINISTRATOR)


def test_add_them_for_me_deploys_the_package_and_finds_everything(
    qtbot: Any, shell: Shell, sandboxes: Sandboxes
) -> None:
    org = sandboxes.salesforce
    org.set_config(missing=MISSING, user_profile=ADMINISTRATOR)
    wizard, page = schema_page(qtbot, shell)
    assert page.report is not None and set(page.report.missing) == {
        PAYMENT.name,
        CREDIT_MEMO.name,
        ACCOUNT.name,
    }
    assert page.deploy_button.isVisible()
    assert not page.copy_button.isVisible()
    seen: list[str] = []
    page.poll_s = 0.05
    calls_before = metadata_calls(sandboxes)

    qtbot.mouseClick(page.deploy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.deploying, timeout=WAIT)
    qtbot.waitUntil(lambda: seen.append(page.busy.note.text()) or page.isComplete(), timeout=WAIT)

    assert page.deploy_status is not None and page.deploy_status.succeeded
    assert page.report is not None and page.report.ok
    assert "Salesforce added all" in page.result_label.text()
    assert "everything the sync needs" in page.ok_label.text()
    assert org.app.config["missing"] == []
    # One deploy and two status polls (InProgress, then Succeeded).
    assert metadata_calls(sandboxes) - calls_before == 3
    sync_set = next(p for p in org.records("PermissionSet") if p["Name"] == PERMISSION_SET)
    assigned = [
        a for a in org.records("PermissionSetAssignment") if a["PermissionSetId"] == sync_set["Id"]
    ]
    assert [a["AssigneeId"] for a in assigned] == [org.user_id]
    wizard.reject()


def test_the_record_type_of_new_accounts_is_chosen_here(
    qtbot: Any, shell: Shell, sandboxes: Sandboxes
) -> None:
    wizard, page = schema_page(qtbot, shell)
    assert page.record_type.isVisible()
    labels = [page.record_type.itemText(i) for i in range(page.record_type.count())]
    assert labels[1:] == ["Customer", "Partner"]
    page.record_type.setCurrentIndex(2)
    assert page.validatePage()
    assert shell.ctx.store.get(ACCOUNT_RECORD_TYPE) == "Partner"
    wizard.reject()
