"""A window that is closed and let go is freed at once: its buttons and boxes call its bound
methods, so no connection of its own keeps it alive. (A lambda holding the window kept it, and
its C++ side, alive until the interpreter ended, where PySide may free what Qt already deleted.)
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtWidgets import QWidget

from app.domain.user_error import ErrorAction, ErrorKind, UserError
from app.ui.menu import MenuAction, MenuEntry
from app.ui.shell import Shell
from app.ui.status_window import StatusWindow
from app.ui.windows.history import HistoryWindow
from app.ui.windows.matches import MatchesWindow
from app.ui.windows.review import ReviewWindow

WINDOWS: dict[str, Callable[[Shell], QWidget]] = {
    "matches": lambda shell: MatchesWindow(shell.controller, show_error=shell.show_error),
    "history": lambda shell: HistoryWindow(shell.controller, show_error=shell.show_error),
    "review": lambda shell: ReviewWindow(shell.controller, show_error=shell.show_error),
}


def let_go(qtbot: Any, shell: Shell, made: list[QWidget]) -> weakref.ref[QWidget]:
    """Closes the only window in `made`, drops it, and returns a weak reference to it."""
    [window] = made
    ref = weakref.ref(window)
    window.close()
    made.clear()
    del window
    qtbot.waitUntil(lambda: not shell.controller.background.busy, timeout=30_000)
    gc.collect()
    return ref


@pytest.mark.parametrize("name", sorted(WINDOWS))
def test_a_closed_window_let_go_is_freed(qtbot: Any, shell: Shell, name: str) -> None:
    window = WINDOWS[name](shell)
    window.show()
    qtbot.waitExposed(window)
    made = [window]
    del window

    assert let_go(qtbot, shell, made)() is None, f"the {name} window outlived its last reference"


def test_a_closed_error_dialog_is_freed(qtbot: Any, shell: Shell) -> None:
    error = UserError(
        code="test.lifetime",
        title="Something needs doing",
        what_happened="It happened.",
        what_to_do="Do the thing.",
        action=ErrorAction.OPEN_LOGS,
        kind=ErrorKind.CONNECTION,
        retryable=True,
    )
    dialog = shell.show_error(error, retry=shell.sync_now)
    assert dialog.action_button is not None and dialog.retry_button.isVisibleTo(dialog)
    made: list[QWidget] = [dialog]
    del dialog

    assert let_go(qtbot, shell, made)() is None, "the error dialog outlived its last reference"
    assert shell.errors == []


def test_the_status_window_let_go_is_freed(qtbot: Any, shell: Shell) -> None:
    chosen: list[tuple[object, ...]] = []
    entries = [MenuEntry("Sync now", MenuAction.SYNC_NOW), MenuEntry("About", MenuAction.ABOUT)]
    window = StatusWindow(lambda: entries, lambda *args: chosen.append(args), lambda: None)
    window.show()
    window.buttons[MenuAction.ABOUT].click()
    window.buttons[MenuAction.SYNC_NOW].click()
    assert chosen == [(MenuAction.ABOUT,), (MenuAction.SYNC_NOW,)], "each button, its action"
    made: list[QWidget] = [window]
    del window

    assert let_go(qtbot, shell, made)() is None, "the status window outlived its last reference"
