"""Sync now -> progress -> summary -> history (per-record outcomes, CSV, retry), and cancel."""

from __future__ import annotations

import csv
import threading
from pathlib import Path
from typing import Any

from app.engine.health import Status
from app.engine.result import RunResult, RunStatus
from app.sandbox.launcher import Sandboxes
from app.ui.menu import MenuAction
from app.ui.shell import Shell
from app.ui.windows.history import HistoryWindow
from app.ui.windows.preview import PreviewWindow
from app.ui.windows.progress import ProgressWindow

WAIT = 60_000


def sync(qtbot: Any, shell: Shell) -> RunResult:
    with qtbot.waitSignal(shell.controller.run_finished, timeout=WAIT) as finished:
        shell.trigger(MenuAction.SYNC_NOW)
        assert shell.controller.facts.syncing
        assert shell.controller.view.status is Status.SYNCING
    return finished.args[1]


def test_sync_now_shows_progress_then_summary_then_history(
    qtbot: Any, shell: Shell, tmp_path: Path
) -> None:
    gui_thread = threading.get_ident()
    events: list[Any] = []
    shell.controller.run_progress.connect(events.append)
    result = sync(qtbot, shell)

    assert result.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL)
    assert shell.controller.worker_threads
    assert gui_thread not in shell.controller.worker_threads
    assert {e.workflow for e in events} >= {"customers", "items", "invoices", "payments"}

    progress = shell.windows["progress"]
    assert isinstance(progress, ProgressWindow)
    assert set(progress.rows) >= {"customers", "items", "invoices", "payments"}
    assert progress.heading.text() == f"<b>{result.headline()}</b>"
    assert "created" in progress.rows["invoices"].note.text()
    assert progress.rows["invoices"].bar.value() == progress.rows["invoices"].bar.maximum()
    assert progress.summary.text()
    assert not progress.cancel_button.isVisible()
    assert shell.controller.facts.standing is not None
    assert shell.controller.facts.standing.run_id == result.run_id

    progress.history_button.click()
    history = shell.windows["history"]
    assert isinstance(history, HistoryWindow)
    qtbot.waitUntil(lambda: history.run_id == result.run_id and bool(history.items), timeout=WAIT)
    outcomes = {
        history.items_table.item(r, 2).text() for r in range(history.items_table.rowCount())
    }
    assert "created" in outcomes or "updated" in outcomes
    assert f"Run #{result.run_id}" in history.run_label.text()

    target = tmp_path / "run.csv"
    history.export_to(target)
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(history.items)
    assert {"workflow", "record", "outcome", "quickbooks_id", "salesforce_id"} <= set(rows[0])


def test_failed_records_show_their_reason_and_retry_runs_just_those(
    qtbot: Any, shell: Shell, sandboxes: Sandboxes
) -> None:
    sandboxes.salesforce.set_config(
        validation_rules=[
            {
                "object": "QuickBooks_Invoice__c",
                "name": "No_Big_Invoices",
                "field": "Subtotal__c",
                "op": ">",
                "value": 0,
                "message": "Invoices need a manager's approval",
            }
        ]
    )
    try:
        first = sync(qtbot, shell)
    finally:
        sandboxes.salesforce.set_config(validation_rules=[])
    history = shell.open_history(first.run_id)
    qtbot.waitUntil(lambda: history.run_id == first.run_id and bool(history.items), timeout=WAIT)
    assert first.status is RunStatus.PARTIAL and first.problems
    assert shell.controller.view.status is Status.ERROR
    history.problems_only.setChecked(True)
    table = history.items_table
    reasons = [table.item(r, 5).text() for r in range(table.rowCount())]
    assert len(reasons) == first.problems
    assert all("manager's approval" in reason for reason in reasons)
    assert history.retry_button.isEnabled()
    with qtbot.waitSignal(shell.controller.run_finished, timeout=WAIT) as retried:
        history.retry_button.click()
    assert retried.args[0] == "retry"
    assert retried.args[1].status is RunStatus.SUCCEEDED
    assert retried.args[1].count("failed") == 0
    assert shell.controller.view.status is Status.HEALTHY


def test_cancel_stops_the_run_and_keeps_what_was_done(
    qtbot: Any, shell: Shell, sandboxes: Sandboxes
) -> None:
    sandboxes.conductor.set_config(latency_ms=150)
    try:
        with qtbot.waitSignal(shell.controller.run_finished, timeout=WAIT) as finished:
            shell.trigger(MenuAction.SYNC_NOW)
            progress = shell.show_progress()
            qtbot.waitUntil(lambda: bool(progress.rows), timeout=WAIT)
            progress.cancel_button.click()
            assert shell.controller.cancel_requested
            assert "Cancelling" in progress.heading.text()
    finally:
        sandboxes.conductor.set_config(latency_ms=0)
    result = finished.args[1]
    assert result.status is RunStatus.CANCELLED
    assert "cancelled" in progress.heading.text().lower()
    assert not shell.controller.facts.syncing


def test_preview_lists_planned_actions_and_writes_nothing(
    qtbot: Any, shell: Shell, sandboxes: Sandboxes
) -> None:
    before = len(sandboxes.salesforce.records("QuickBooks_Invoice__c"))
    with qtbot.waitSignal(shell.controller.run_finished, timeout=WAIT):
        shell.trigger(MenuAction.PREVIEW)
    preview = shell.windows["preview"]
    assert isinstance(preview, PreviewWindow)
    assert not preview.loading
    assert preview.planned
    preview.show_unchanged.setChecked(True)
    assert preview.table.rowCount() == len(preview.planned)
    assert len(sandboxes.salesforce.records("QuickBooks_Invoice__c")) == before
    assert "progress" not in shell.windows
