"""A preview is not a sync: History (the window and the `history` command) keeps previews apart,
labelled as previews and never counted as syncs."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from app.commands.sync import cmd_history
from app.engine.result import RunResult
from app.ui.menu import MenuAction
from app.ui.shell import Shell
from app.ui.windows.history import PREVIEW_RESULT, HistoryWindow
from app.ui.windows.tables import cell

WAIT = 60_000


def run(qtbot: Any, shell: Shell, action: MenuAction) -> RunResult:
    with qtbot.waitSignal(shell.controller.run_finished, timeout=WAIT) as finished:
        shell.trigger(action)
    return finished.args[1]


def loaded(qtbot: Any, history: HistoryWindow, run_id: int) -> None:
    qtbot.waitUntil(lambda: history.run_id == run_id and not history.loading, timeout=WAIT)


def test_history_lists_syncs_and_keeps_previews_apart(
    qtbot: Any, shell: Shell, capsys: pytest.CaptureFixture[str]
) -> None:
    preview = run(qtbot, shell, MenuAction.PREVIEW)
    synced = run(qtbot, shell, MenuAction.SYNC_NOW)

    history = shell.open_history()
    loaded(qtbot, history, synced.run_id)
    table = history.runs_table
    assert table.rowCount() == 1
    assert cell(table, 0, 0) == f"#{synced.run_id}"
    assert history.runs_note.text() == "1 sync; 1 preview not shown"
    assert not history.show_previews.isChecked()

    history.show_previews.setChecked(True)
    assert table.rowCount() == 2
    # The sync stays selected; the preview comes after the syncs, labelled as one.
    assert history.run_id == synced.run_id
    assert cell(table, 1, 0) == f"Preview #{preview.run_id}"
    assert cell(table, 1, 3) == PREVIEW_RESULT
    assert table.item(1, 0).font().italic() and not table.item(0, 0).font().italic()
    assert history.runs_note.text() == "1 sync; 1 preview listed apart, not counted as syncs"

    history.show_previews.setChecked(False)
    history.close()
    # Asked for a preview by its id, the window shows previews and says what it was.
    history = shell.open_history(preview.run_id)
    loaded(qtbot, history, preview.run_id)
    assert history.show_previews.isChecked()
    assert history.run_label.text().startswith(
        f"<b>Preview #{preview.run_id}</b>: {PREVIEW_RESULT}"
    )
    assert not history.retry_button.isEnabled()

    assert cmd_history(argparse.Namespace(run=None, csv=None), shell.ctx) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"#{synced.run_id} ")
    assert "Previews (nothing written, not syncs): 1" in lines
    assert not any(line.startswith(f"#{preview.run_id} ") for line in lines)
    assert any(line.startswith(f"  preview #{preview.run_id} ") for line in lines)

    assert cmd_history(argparse.Namespace(run=preview.run_id, csv=None), shell.ctx) == 0
    assert capsys.readouterr().out.startswith(f"Preview #{preview.run_id} (nothing written)")
