"""The tray menu is rebuilt every time it opens; the status window stands in without a tray."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QSystemTrayIcon

from app.engine.health import Status
from app.ui.menu import MenuAction, MenuEntry, menu_entries
from app.ui.notifier import Notice, NoticeKind
from app.ui.shell import Shell
from app.ui.status import TrayFacts, present
from app.ui.targets import Place, Target
from app.ui.tray import Tray


def test_offscreen_has_no_tray_so_the_status_window_stands_in(shell: Shell) -> None:
    assert not QSystemTrayIcon.isSystemTrayAvailable()
    assert shell.tray is None
    window = shell.status_window
    assert window is not None and window.isVisible()
    assert set(window.buttons) >= {
        MenuAction.SYNC_NOW,
        MenuAction.REVIEW,
        MenuAction.PREVIEW,
        MenuAction.HISTORY,
        MenuAction.CHECK,
        MenuAction.SETTINGS,
        MenuAction.SETUP,
        MenuAction.LOGS,
        MenuAction.ABOUT,
        MenuAction.QUIT,
    }
    window.buttons[MenuAction.ABOUT].click()
    assert "about" in shell.windows


def test_the_menu_is_rebuilt_when_it_opens(qtbot: Any) -> None:
    facts = {"now": TrayFacts(set_up=True, review_count=1)}
    chosen: list[MenuAction] = []

    def entries() -> list[MenuEntry]:
        return menu_entries(facts["now"], present(facts["now"]))

    tray = Tray(entries, chosen.append, lambda: None)
    labels = [a.text() for a in tray.menu.actions() if a.text()]
    assert "Review invoices to create (1)" in labels
    facts["now"] = TrayFacts(set_up=True, review_count=5, syncing=True)
    tray.menu.aboutToShow.emit()
    labels = [a.text() for a in tray.menu.actions() if a.text()]
    assert "Review invoices to create (5)" in labels
    assert "Syncing… show progress" in labels
    status_line = tray.menu.actions()[0]
    assert status_line.text().startswith("Syncing") and not status_line.isEnabled()
    history = next(a for a in tray.menu.actions() if a.objectName() == MenuAction.HISTORY)
    history.trigger()
    assert chosen == [MenuAction.HISTORY]


def test_tray_icon_and_tooltip_follow_the_status(qtbot: Any) -> None:
    tray = Tray(lambda: [], lambda _a: None, lambda: None)
    view = present(TrayFacts(set_up=True))
    tray.show_status(view)
    assert tray.icon.toolTip() == view.tooltip
    assert not tray.icon.icon().isNull()
    tray.show_notice(
        Notice(
            NoticeKind.SYNC_PROBLEMS,
            "Sync finished with problems",
            "1 failed",
            Target(Place.HISTORY),
        )
    )


def test_the_status_window_follows_the_controller(qtbot: Any, shell: Shell) -> None:
    window = shell.status_window
    assert window is not None
    assert window.line.text() == present(shell.controller.facts).line
    assert shell.controller.view.status in (Status.HEALTHY, Status.ERROR)
    shell.controller._update(syncing=True, activity="Invoices 3 of 30")
    assert window.line.text() == "Syncing: Invoices 3 of 30"
    assert MenuAction.SHOW_PROGRESS in window.buttons
