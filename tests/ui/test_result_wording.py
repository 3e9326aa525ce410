"""The words of a finished sync: the steps named alike in the tray and the terminal, and the won
opportunities that wait for review named in the result."""

from __future__ import annotations

from typing import Any

import pytest

from app.commands.progress import TerminalProgress
from app.engine.wording import step_title
from app.ui.menu import MenuAction
from app.ui.shell import Shell
from app.ui.windows.progress import ProgressWindow

WAIT = 60_000


def test_tray_and_terminal_name_the_steps_alike_and_the_result_names_the_review(
    qtbot: Any, shell: Shell, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = TerminalProgress(enabled=True)
    shell.controller.run_progress.connect(terminal)
    activities: list[str] = []
    shell.controller.facts_changed.connect(lambda facts: activities.append(facts.activity))
    with terminal, qtbot.waitSignal(shell.controller.run_finished, timeout=WAIT):
        shell.trigger(MenuAction.SYNC_NOW)
    printed = capsys.readouterr().err

    progress = shell.windows["progress"]
    assert isinstance(progress, ProgressWindow)
    names = {workflow: row.name.text() for workflow, row in progress.rows.items()}
    assert names["items"] == "Products and services" == step_title("items")
    for workflow, name in names.items():
        assert name == step_title(workflow)
        assert name in printed
    assert "Items " not in printed
    assert any(a.startswith("Products and services ") for a in activities)

    qtbot.waitUntil(lambda: shell.controller.facts.review_count > 0, timeout=WAIT)
    waiting = shell.controller.facts.review_count
    noun = "won opportunity waits" if waiting == 1 else "won opportunities wait"
    assert f"{waiting} {noun} for your review" in progress.summary.text()
    assert "Review invoices to create" in progress.summary.text()
