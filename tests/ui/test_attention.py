"""A QuickBooks dialog on the QuickBooks PC: the tray turns amber and says what to close; once it
is closed, Check connection turns the tray healthy again."""

from __future__ import annotations

from typing import Any

from app.engine.health import Status
from app.sandbox.launcher import Sandboxes
from app.ui.menu import MenuAction
from app.ui.notifier import NoticeKind
from app.ui.shell import Shell
from app.ui.windows.error_dialog import ErrorDialog
from app.ui.wizard.wizard import PageId, SetupWizard

WAIT = 60_000


def check(qtbot: Any, shell: Shell) -> Any:
    with qtbot.waitSignal(shell.controller.checked, timeout=WAIT) as checked:
        shell.trigger(MenuAction.CHECK)
    return checked.args[0]


def test_quickbooks_dialog_needs_attention_then_check_clears_it(
    qtbot: Any, shell: Shell, sandboxes: Sandboxes
) -> None:
    assert check(qtbot, shell).status is Status.HEALTHY
    assert shell.controller.view.status is Status.HEALTHY

    sandboxes.conductor.add_fault(kind="qb_dialog", times=None)
    try:
        health = check(qtbot, shell)
    finally:
        sandboxes.conductor.clear_faults()
    assert health.status is Status.NEEDS_ATTENTION
    view = shell.controller.view
    assert view.status is Status.NEEDS_ATTENTION
    assert view.icon == "tray-needs-attention"

    notice = shell.notifier.last
    assert notice is not None and notice.kind is NoticeKind.QUICKBOOKS_BLOCKED
    assert notice.title == "QuickBooks is blocked"
    assert notice.text == "A window is open in QuickBooks on this PC: close it, then click Retry."
    window = shell.status_window
    assert window is not None and window.banner.isVisible()
    assert "close it, then click Retry" in window.banner_text.text()

    # The person asked for the check, so the problem is also shown at once, with Retry.
    asked = shell.errors[-1]
    assert asked.error.code == health.error.code
    asked.close()

    # A click on the notification opens what it speaks of: the error, with Retry.
    window.banner_open.click()
    dialog = shell.errors[-1]
    assert isinstance(dialog, ErrorDialog)
    assert "QuickBooks" in dialog.error.what_happened
    assert dialog.retry_button.isVisible()
    assert dialog.retry_button.text() == "Retry"

    with qtbot.waitSignal(shell.controller.checked, timeout=WAIT) as retried:
        dialog.retry_button.click()
    assert retried.args[0].status is Status.HEALTHY
    assert shell.controller.view.status is Status.HEALTHY
    assert shell.controller.facts.problem is None


def test_a_sync_stopped_by_the_dialog_needs_attention_too(
    qtbot: Any, shell: Shell, sandboxes: Sandboxes
) -> None:
    sandboxes.conductor.add_fault(kind="qb_dialog", times=None)
    try:
        with qtbot.waitSignal(shell.controller.run_finished, timeout=WAIT) as finished:
            shell.trigger(MenuAction.SYNC_NOW)
    finally:
        sandboxes.conductor.clear_faults()
    assert finished.args[1].status.value == "needs_attention"
    assert shell.controller.view.status is Status.NEEDS_ATTENTION
    assert shell.notifier.last is not None
    assert shell.notifier.last.kind is NoticeKind.QUICKBOOKS_BLOCKED
    assert check(qtbot, shell).status is Status.HEALTHY
    assert shell.controller.view.status is Status.HEALTHY


def test_an_expired_salesforce_sign_in_says_so_and_a_click_reconnects(
    qtbot: Any, shell: Shell, sandboxes: Sandboxes
) -> None:
    sandboxes.salesforce.expire_tokens(refresh_too=True)
    health = check(qtbot, shell)
    assert health.status is Status.ERROR
    assert shell.controller.view.status is Status.ERROR
    notice = shell.notifier.last
    assert notice is not None and notice.kind is NoticeKind.SIGN_IN_EXPIRED
    assert notice.title == "Salesforce sign-in expired"
    window = shell.status_window
    assert window is not None
    window.banner_open.click()
    wizard = shell.windows["setup"]
    assert isinstance(wizard, SetupWizard)
    assert wizard.currentId() == PageId.SALESFORCE
