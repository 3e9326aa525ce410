"""Every error dialog's button does what it says; anything unexpected ends in a copyable report."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication

from app.domain.errors import from_conductor, keyring_missing, no_network, port_taken, unexpected
from app.domain.user_error import ErrorAction
from app.ui.excepthook import ExceptHook
from app.ui.shell import Shell
from app.ui.windows.error_dialog import ErrorDialog
from app.ui.wizard.wizard import PageId, SetupWizard
from tests.ui.conftest import Browser, error_with


def test_the_dialog_shows_plain_words_and_the_details_on_request(shell: Shell) -> None:
    dialog = shell.show_error(error_with(ErrorAction.OPEN_LOGS))
    assert dialog.title_label.text() == "<b>Something needs doing</b>"
    assert dialog.happened_label.text() == "It happened."
    assert dialog.todo_label.text() == "Do the thing."
    assert dialog.action_button is not None
    assert dialog.action_button.text() == ErrorAction.OPEN_LOGS.label
    assert not dialog.details.isVisible()
    dialog.details_button.click()
    assert dialog.details.isVisible()
    assert "req_123" in dialog.details.toPlainText()


def test_retry_retries(shell: Shell) -> None:
    calls: list[str] = []
    dialog = shell.show_error(
        error_with(ErrorAction.RETRY, retryable=True), retry=lambda: calls.append("retry")
    )
    assert dialog.action_button is not None
    dialog.action_button.click()
    assert calls == ["retry"]
    assert dialog.result() == ErrorDialog.DialogCode.Accepted


def test_a_retryable_error_offers_try_again_beside_its_own_action(shell: Shell) -> None:
    calls: list[str] = []
    dialog = shell.show_error(
        error_with(ErrorAction.OPEN_QUICKBOOKS_HELP, retryable=True), retry=lambda: calls.append(1)
    )
    assert dialog.retry_button.isVisible()
    dialog.retry_button.click()
    assert calls == [1]


def test_open_quickbooks_help_opens_the_apps_own_page_for_the_error(
    shell: Shell, browser: Browser
) -> None:
    error = error_with(ErrorAction.OPEN_QUICKBOOKS_HELP)
    dialog = shell.show_error(error)
    assert dialog.action_button is not None
    dialog.action_button.click()
    assert browser.opened and browser.opened[-1].endswith("/docs/help/index.html")
    blocked = from_conductor(
        {
            "type": "INTEGRATION_CONNECTION_ERROR",
            "code": "QBD_CONNECTION_ERROR",
            "integrationCode": "0x80040414",
            "message": "A modal dialog box is showing.",
        }
    )
    shell.open_quickbooks_help(blocked)
    page = browser.opened[-1]
    assert page.startswith("file://") and page.endswith("/docs/help/quickbooks-dialog-open.html")
    assert Path(QUrl(page).toLocalFile()).is_file()


def test_reconnect_salesforce_opens_setup_at_the_salesforce_page(shell: Shell) -> None:
    dialog = shell.show_error(error_with(ErrorAction.RECONNECT_SALESFORCE))
    assert dialog.action_button is not None
    dialog.action_button.click()
    wizard = shell.windows["setup"]
    assert isinstance(wizard, SetupWizard)
    assert wizard.currentId() == PageId.SALESFORCE
    assert not dialog.isVisible()


def test_open_setup_opens_the_setup_wizard(shell: Shell) -> None:
    dialog = shell.show_error(keyring_missing("no backend"))
    assert dialog.action_button is not None
    assert dialog.action_button.text() == "Open setup"
    dialog.action_button.click()
    wizard = shell.windows["setup"]
    assert isinstance(wizard, SetupWizard)
    assert wizard.currentId() == PageId.WELCOME


def test_open_logs_opens_the_log_folder(shell: Shell, browser: Browser) -> None:
    dialog = shell.show_error(unexpected("Traceback: boom"))
    assert dialog.action_button is not None
    dialog.action_button.click()
    assert browser.opened
    assert Path(browser.opened[-1].removeprefix("file://")) == shell.ctx.paths.log_dir


def test_copy_details_copies_everything_about_the_error(shell: Shell) -> None:
    error = error_with(ErrorAction.COPY_DETAILS)
    dialog = shell.show_error(error)
    assert not dialog.copy_button.isVisible()
    assert dialog.action_button is not None
    dialog.action_button.click()
    assert QGuiApplication.clipboard().text() == error.copy_text()
    for other in (no_network("Salesforce"), port_taken()):
        shown = shell.show_error(other)
        shown.copy_button.click()
        assert QGuiApplication.clipboard().text() == other.copy_text()


@pytest.mark.parametrize("action", [a for a in ErrorAction if a is not ErrorAction.NONE])
def test_every_action_has_a_button_with_its_label(shell: Shell, action: ErrorAction) -> None:
    dialog = shell.show_error(error_with(action, retryable=True), retry=lambda: None)
    assert dialog.action_button is not None
    assert dialog.action_button.text() == action.label


def test_unexpected_errors_become_a_dialog_with_a_copyable_report(qtbot: Any, shell: Shell) -> None:
    hook = ExceptHook(shell.show_error)
    try:
        raise RuntimeError("the unexpected")
    except RuntimeError:
        hook.handle(*sys.exc_info())  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: bool(shell.errors), timeout=5_000)
    dialog = shell.errors[-1]
    assert dialog.error.title == "Something went wrong"
    assert "RuntimeError: the unexpected" in dialog.error.details
    dialog.copy_button.click()
    assert "RuntimeError: the unexpected" in QGuiApplication.clipboard().text()


def test_errors_on_other_threads_reach_the_dialog_on_the_gui_thread(
    qtbot: Any, shell: Shell
) -> None:
    hook = ExceptHook(shell.show_error).install()
    try:

        def fail() -> None:
            raise ValueError("from a worker")

        worker = threading.Thread(target=fail)
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: bool(shell.errors), timeout=5_000)
    finally:
        hook.uninstall()
    assert "ValueError: from a worker" in shell.errors[-1].error.details
    assert hook.reports
