"""A QuickBooks dialog on the QuickBooks PC: the tray turns amber and says what to close; once it
is closed, Check connection turns the tray healthy again."""

from __future__ import annotations

from typing import Any

from app.engine.health import Status
from app.sandbox.launcher import Sandboxes
from app.ui.menu import MenuAction
from app.ui.notifier import QUICKBOOKS_BLOCKED_TEXT, NoticeKind
from app.ui.shell import Shell
from app.ui.windows.error_dialog import ErrorDialog
from app.ui.windows.progress import ProgressWindow
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
    assert notice.text == QUICKBOOKS_BLOCKED_TEXT
    window = shell.status_window
    assert window is not None and window.banner.isVisible()
    assert "close it, then click Try again" in window.banner_text.text()

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
    assert dialog.retry_button.text() == "Try again"

    with qtbot.waitSignal(shell.controller.checked, timeout=WAIT) as retried:
        dialog.retry_button.click()
    assert retried.args[0].status is Status.HEALTHY
    assert shell.controller.view.status is Status.HEALTHY
    assert shell.controller.facts.problem is None


def test_a_sync_stopped_by_the_dialog_stays_stopped_until_try_again_syncs(
    qtbot: Any, shell: Shell, sandboxes: Sandboxes
) -> None:
    sandboxes.conductor.add_fault(kind="qb_dialog", times=None)
    try:
        with qtbot.waitSignal(shell.controller.run_finished, timeout=WAIT) as finished:
            shell.trigger(MenuAction.SYNC_NOW)
    finally:
        sandboxes.conductor.clear_faults()
    result = finished.args[1]
    assert result.status.value == "needs_attention"
    assert shell.controller.view.status is Status.NEEDS_ATTENTION
    assert shell.notifier.last is not None
    assert shell.notifier.last.kind is NoticeKind.QUICKBOOKS_BLOCKED

    # Every step ends truthfully: the one it stopped at, and those it never reached.
    progress = shell.windows["progress"]
    assert isinstance(progress, ProgressWindow)
    ends = {name: row.ended for name, row in progress.rows.items()}
    assert "stopped" in ends.values()
    assert ends.get("payments") == "not run"
    assert "done" not in {ends[n] for n in ends if n in ("invoices", "payments")}
    assert progress.heading.text() == f"<b>{result.headline()}</b>"
    assert "in step" not in progress.summary.text()
    assert progress.try_again_button.isVisible()

    # The dialog is closed: the connection passes, but the sync that stopped is not undone.
    assert check(qtbot, shell).status is Status.HEALTHY
    view = shell.controller.view
    assert view.status is Status.NEEDS_ATTENTION
    assert view.line.startswith("Last sync stopped at ")
    assert not view.line.startswith("Up to date")
    top = shell.entries()[1]
    assert (top.label, top.action) == ("Try again", MenuAction.TRY_AGAIN)

    # Try again checks, then syncs, and only a sync that succeeds brings "Up to date".
    with qtbot.waitSignal(shell.controller.run_finished, timeout=WAIT) as again:
        progress.try_again_button.click()
    assert again.args[1].status.value in ("succeeded", "partial")
    qtbot.waitUntil(lambda: not shell.controller.checking, timeout=WAIT)
    standing = shell.controller.facts.standing
    assert standing is not None
    if standing.in_step:
        assert shell.controller.view.line.startswith("Up to date (last sync ")
    else:
        assert not shell.controller.view.line.startswith("Up to date")


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
