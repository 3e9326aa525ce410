"""The setup wizard end to end against the sandboxes, the browser played over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QDate
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWizard

from app.context import AppContext
from app.domain.workflows import ACCOUNT
from app.engine.health import Status
from app.platform.credentials import Secret
from app.platform.runlock import RunLock
from app.sandbox.launcher import Sandboxes
from app.store.settings import (
    CONDUCTOR_END_USER_ID,
    MATCHING_SKIPPED,
    SALESFORCE_USERNAME,
    SETUP_FINISHED,
)
from app.ui.controller import Controller
from app.ui.notifier import SYNC_HINT
from app.ui.shell import Shell
from app.ui.targets import Place
from app.ui.wizard.defaults import SetupDefaults
from app.ui.wizard.wizard import PageId, SetupWizard
from tests.ui.conftest import Browser

WAIT = 30_000


def next_page(qtbot: Any, wizard: SetupWizard, expected: PageId) -> None:
    qtbot.waitUntil(lambda: wizard.currentPage().isComplete(), timeout=WAIT)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == expected, timeout=WAIT)


@pytest.fixture
def fresh_shell(qtbot: Any, ctx: AppContext, defaults: SetupDefaults) -> Any:
    controller = Controller(ctx)
    shell = Shell(
        ctx, controller=controller, defaults=defaults, use_tray=False, quiet_s=0, poll=False
    )
    yield shell
    shell.quit()
    qtbot.waitUntil(lambda: not controller.background.busy, timeout=WAIT)
    shell.dispose()


def test_first_start_walks_the_wizard_to_a_working_tray(
    qtbot: Any, fresh_shell: Shell, ctx: AppContext, browser: Browser, sandboxes: Sandboxes
) -> None:
    shell = fresh_shell
    assert shell.controller.view.status is Status.NOT_SET_UP
    shell.start()
    wizard = shell.windows["setup"]
    assert isinstance(wizard, SetupWizard)
    assert wizard.currentId() == PageId.WELCOME

    # QuickBooks: the keys are filled in; the company is found and its health check passes.
    next_page(qtbot, wizard, PageId.QUICKBOOKS)
    page = wizard.quickbooks
    assert not page.isComplete()
    qtbot.waitUntil(page.isComplete, timeout=WAIT)
    assert page.chosen_end_user() == sandboxes.info()["conductor_end_user_id"]
    assert "Connected" in page.connected_label.text()
    page.open_setup_link()
    qtbot.waitUntil(lambda: any("/setup/" in url for url in browser.opened), timeout=WAIT)
    assert page.copy_button.isEnabled()

    # Salesforce: Next stays off until the browser sign-in comes back.
    next_page(qtbot, wizard, PageId.SALESFORCE)
    assert ctx.store.get(CONDUCTOR_END_USER_ID) == page.chosen_end_user()
    assert (
        ctx.credentials.get(Secret.CONDUCTOR_SECRET_KEY) == sandboxes.info()["conductor_secret_key"]
    )
    salesforce = wizard.salesforce
    assert not salesforce.isComplete()
    salesforce.start_sign_in()
    assert salesforce.waiting
    assert salesforce.busy.isVisible() or not wizard.isVisible()
    assert "left" in salesforce.busy.note.text()
    qtbot.waitUntil(salesforce.isComplete, timeout=WAIT)
    assert not browser.errors
    assert browser.answers == [200]
    assert salesforce.connected_as == sandboxes.salesforce.username
    assert ctx.credentials.get(Secret.SALESFORCE_REFRESH_TOKEN)
    assert ctx.store.get(SALESFORCE_USERNAME) == sandboxes.salesforce.username

    # Schema: the sandbox org has everything.
    next_page(qtbot, wizard, PageId.SCHEMA)
    qtbot.waitUntil(wizard.schema.isComplete, timeout=WAIT)
    assert wizard.schema.report is not None and wizard.schema.report.ok

    # Workflows: all on by default; Next needs at least one.
    next_page(qtbot, wizard, PageId.WORKFLOWS)
    for box in wizard.workflows.boxes.values():
        box.setChecked(False)
    assert not wizard.workflows.isComplete()
    for box in wizard.workflows.boxes.values():
        box.setChecked(True)

    # Invoices: numbered after QuickBooks' highest number, won from today on unless changed.
    next_page(qtbot, wizard, PageId.INVOICES)
    assert wizard.invoices.choices.go_live.date() == QDate.currentDate()

    # Match: proposals come from propose_links; link all but one, which is remembered as skipped.
    next_page(qtbot, wizard, PageId.MATCH)
    match = wizard.match
    qtbot.waitUntil(match.isComplete, timeout=WAIT)
    assert match.proposal is not None
    proposed = list(match.proposal.links)
    assert proposed, "the sample org has accounts that match QuickBooks customers"
    match.set_all(True)
    match.table.item(0, 0).setCheckState(match.table.item(0, 0).checkState().Unchecked)
    next_page(qtbot, wizard, PageId.SUMMARY)
    assert match.linked == len(proposed) - 1
    linked = {link.sf_id for link in ctx.store.links("customers")}
    assert {p.account_id for p in proposed[1:]} <= linked
    assert proposed[0].account_id not in linked
    assert [proposed[0].account_id, proposed[0].customer_id] in ctx.store.get(MATCHING_SKIPPED)
    accounts = {a["Id"]: a for a in sandboxes.salesforce.records("Account")}
    assert accounts[proposed[1].account_id]["QuickBooks_Customer_Id__c"] == proposed[1].customer_id

    # Summary: a first preview, nothing written.
    summary = wizard.summary
    qtbot.waitUntil(lambda: summary.result is not None, timeout=WAIT)
    assert "would change" in summary.preview.text()
    wizard.button(QWizard.WizardButton.FinishButton).click()
    qtbot.waitUntil(lambda: "setup" not in shell.windows, timeout=WAIT)

    assert ctx.store.get(SETUP_FINISHED) is True
    assert shell.controller.facts.set_up
    # Finish leaves the hint of what to click next, and a click on it opens the menu.
    hint = shell.notifier.last
    assert hint is not None and hint.text == SYNC_HINT
    assert shell.status_window is not None
    assert SYNC_HINT in shell.status_window.banner_text.text()
    assert hint.target.place is Place.MENU
    with qtbot.waitSignal(shell.controller.checked, timeout=WAIT):
        shell.check_connection()
    assert shell.controller.view.status is Status.HEALTHY


def test_salesforce_page_waits_and_can_be_cancelled(
    qtbot: Any, fresh_shell: Shell, browser: Browser
) -> None:
    browser.follow = False
    wizard = fresh_shell.open_wizard("salesforce")
    assert wizard is not None and wizard.currentId() == PageId.SALESFORCE
    page = wizard.salesforce
    page.start_sign_in()
    assert page.waiting and not page.isComplete()
    assert page.sign_in is not None
    assert browser.opened == [page.sign_in.url]
    page.open_browser()
    assert browser.opened == [page.sign_in.url] * 2
    page.copy_link()
    assert QGuiApplication.clipboard().text() == page.sign_in.url
    page.cancel_sign_in()
    assert not page.waiting
    assert not page.isComplete()
    assert not page.busy.isVisible()


def test_set_up_again_starts_from_what_is_saved(qtbot: Any, shell: Shell) -> None:
    shell.defaults = None
    wizard = shell.open_wizard()
    assert wizard is not None
    next_page(qtbot, wizard, PageId.QUICKBOOKS)
    page = wizard.quickbooks
    assert page.key_edit.text() == "", "the saved secret key is never shown"
    qtbot.waitUntil(page.isComplete, timeout=WAIT)
    next_page(qtbot, wizard, PageId.SALESFORCE)
    assert wizard.salesforce.isComplete(), "the saved sign-in counts until it is replaced"
    assert "Connected as" in wizard.salesforce.connected_label.text()


def test_linking_matches_while_a_sync_runs_says_so_and_writes_nothing(
    qtbot: Any, shell: Shell, connected: AppContext, sandboxes: Sandboxes
) -> None:
    wizard = shell.open_wizard("match")
    assert wizard is not None and wizard.currentId() == PageId.MATCH
    match = wizard.match
    qtbot.waitUntil(match.isComplete, timeout=WAIT)
    assert match.proposal is not None and match.proposal.links
    match.set_all(True)
    match.table.item(0, 0).setCheckState(match.table.item(0, 0).checkState().Unchecked)

    def account_ids() -> dict[str, str | None]:
        accounts = sandboxes.salesforce.records("Account")
        return {a["Id"]: a.get(ACCOUNT.quickbooks_id) for a in accounts}

    before = account_ids()
    with RunLock(connected.paths.run_lock, "cli"):
        match.apply()
        qtbot.waitUntil(lambda: not match.applying, timeout=WAIT)

    assert not match.applied and match.linked == 0
    assert match.problem.error is not None
    shown = f"{match.problem.error.title} {match.problem.error.what_happened}".lower()
    assert "another sync is running" in shown
    assert connected.store.links("customers") == []
    assert not connected.store.is_set(MATCHING_SKIPPED), "the skipped pair waits too"
    assert account_ids() == before

    # Once the sync is over, Next links the same choice and moves on.
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SUMMARY, timeout=WAIT)
    assert match.linked == len(match.proposal.links) - 1
    assert len(connected.store.links("customers")) == match.linked
