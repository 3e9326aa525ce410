"""A window or dialog that is closed is freed: the shell lets go of it on the next turn of the
event loop (never inside its own signals), and none of its connections holds it. A lambda holding
a window kept it, and its C++ side, alive until the app exited: a slow leak in a tray app that runs
for weeks.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication, QWidget

from app.domain.user_error import ErrorAction
from app.ui.menu import MenuAction, MenuEntry
from app.ui.shell import Shell
from app.ui.status_window import StatusWindow
from app.ui.workers import Background
from tests.ui.conftest import error_with

#: The windows the shell opens one of at a time, by their name in `Shell.windows`.
OPENERS: dict[str, Callable[[Shell], QWidget]] = {
    "matches": Shell.open_matches,
    "history": Shell.open_history,
    "review": Shell.open_review,
    "preview": Shell.open_preview,
    "books": Shell.open_books,
    "settings": Shell.open_settings,
    "about": Shell.open_about,
    "updates": Shell.open_updates,
}


def settle(qtbot: Any, shell: Shell | None = None) -> None:
    """Lets background answers arrive, then runs the event loop's next turns and the collector."""
    if shell is not None:
        qtbot.waitUntil(lambda: not shell.controller.background.busy, timeout=30_000)
    for _ in range(3):
        QApplication.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    gc.collect()


@pytest.mark.parametrize("name", sorted(OPENERS))
def test_a_closed_window_is_freed(qtbot: Any, shell: Shell, name: str) -> None:
    window = OPENERS[name](shell)
    qtbot.waitExposed(window)
    settle(qtbot, shell)
    assert shell.windows[name] is window
    ref = weakref.ref(window)
    window.close()
    del window

    settle(qtbot, shell)
    assert name not in shell.windows
    assert ref() is None, f"the closed {name} window is still alive"

    # Opened again, it is a new window that works as the first did.
    again = OPENERS[name](shell)
    qtbot.waitExposed(again)
    assert shell.windows[name] is again
    settle(qtbot, shell)


def test_closed_error_dialogs_are_freed(qtbot: Any, shell: Shell) -> None:
    refs = []
    for code, action in (
        ("logs", ErrorAction.OPEN_LOGS),
        ("retry", ErrorAction.RETRY),
        ("copy", ErrorAction.COPY_DETAILS),
    ):
        dialog = shell.show_error(error_with(action, retryable=True, code=code), retry=lambda: None)
        qtbot.waitExposed(dialog)
        refs.append(weakref.ref(dialog))
        if action is ErrorAction.RETRY:
            # Its own button closes it, from inside the button's signal.
            assert dialog.action_button is not None
            dialog.action_button.click()
        else:
            dialog.copy_button.click()
            dialog.retry_button.click()
        assert not dialog.isVisible()
        del dialog
    solved = shell.show_error(error_with(ErrorAction.OPEN_LOGS, retryable=True, code="solved"))
    refs.append(weakref.ref(solved))
    shell._close_solved_errors()
    del solved

    settle(qtbot, shell)
    assert shell.errors == []
    assert [ref() for ref in refs] == [None] * 4, "a closed error dialog is still alive"

    # The same problem again opens a new dialog, and one still open is kept.
    kept = shell.show_error(error_with(ErrorAction.OPEN_LOGS, retryable=True, code="logs"))
    settle(qtbot, shell)
    assert shell.errors == [kept] and kept.isVisible()


def test_a_closed_setup_wizard_is_freed(qtbot: Any, shell: Shell) -> None:
    wizard = shell.open_wizard()
    assert wizard is not None
    qtbot.waitExposed(wizard)
    ref = weakref.ref(wizard)
    wizard.reject()
    del wizard

    settle(qtbot, shell)
    assert "setup" not in shell.windows
    assert ref() is None, "the closed setup wizard is still alive"


def test_the_status_window_let_go_is_freed(qtbot: Any) -> None:
    chosen: list[tuple[object, ...]] = []
    entries = [MenuEntry("Sync now", MenuAction.SYNC_NOW), MenuEntry("About", MenuAction.ABOUT)]
    window = StatusWindow(lambda: entries, lambda *args: chosen.append(args), lambda: None)
    window.show()
    qtbot.waitExposed(window)
    window.buttons[MenuAction.ABOUT].click()
    window.rebuild()
    window.buttons[MenuAction.SYNC_NOW].click()
    assert chosen == [(MenuAction.ABOUT,), (MenuAction.SYNC_NOW,)], "each button, its action"
    ref = weakref.ref(window)
    window.close()
    del window

    settle(qtbot)
    assert ref() is None, "the closed status window is still alive"


def test_a_finished_task_and_its_callbacks_are_let_go(qtbot: Any) -> None:
    """The pool kept every task it was handed, and with it the callbacks of the window that
    started it; a finished task is now freed, and with it what its callbacks hold."""
    background = Background()
    answers: list[object] = []
    owner = QWidget()
    task = background.start(
        lambda _report: 42, name="lifetime", on_result=answers.append, owner=owner
    )
    ref = weakref.ref(task)
    owner_ref = weakref.ref(owner)
    del task
    qtbot.waitUntil(lambda: not background.busy, timeout=30_000)
    assert answers == [42]
    del owner

    settle(qtbot)
    assert ref() is None, "the finished task is still alive"
    assert owner_ref() is None, "the task's owner outlived it"
    assert background.wait()
