"""The tray menu as data (what to show, what is enabled) and the one function that fills a QMenu.

The tray rebuilds its menu from these entries every time it opens; the status window shows the
same entries as buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtWidgets import QMenu

from app.domain.user_error import ErrorAction
from app.engine.standing import FIX_LABELS, Fix
from app.ui.status import StatusView, TrayFacts


class MenuAction(StrEnum):
    TRY_AGAIN = "try_again"
    SIGN_IN_AGAIN = "sign_in_again"
    SHOW_FAILED = "show_failed"
    SYNC_NOW = "sync_now"
    SHOW_PROGRESS = "show_progress"
    REVIEW = "review"
    PREVIEW = "preview"
    HISTORY = "history"
    CHECK = "check"
    BOOKS = "books"
    SETTINGS = "settings"
    SETUP = "setup"
    LOGS = "logs"
    ABOUT = "about"
    QUIT = "quit"


@dataclass(frozen=True)
class MenuEntry:
    label: str
    action: MenuAction | None = None  # None: the status line or a separator
    enabled: bool = True

    @property
    def separator(self) -> bool:
        return self.action is None and not self.label


SEPARATOR = MenuEntry("")
SIGN_IN_AGAIN = ErrorAction.RECONNECT_SALESFORCE.label

_FIX_ACTIONS = {
    Fix.SYNC: MenuAction.TRY_AGAIN,
    Fix.SHOW_FAILED: MenuAction.SHOW_FAILED,
    Fix.CHECK_BOOKS: MenuAction.BOOKS,
}


def fix_entry(facts: TrayFacts) -> MenuEntry | None:
    """The one click that deals with what the status line says, at the top of the menu."""
    if not facts.set_up or facts.syncing:
        return None
    problem = facts.problem
    if problem is not None and problem.action is ErrorAction.RECONNECT_SALESFORCE:
        return MenuEntry(SIGN_IN_AGAIN, MenuAction.SIGN_IN_AGAIN)
    standing = facts.standing
    if standing is not None and standing.fix is not None and standing.run_id is not None:
        return MenuEntry(FIX_LABELS[standing.fix], _FIX_ACTIONS[standing.fix])
    if problem is not None and problem.retryable:
        return MenuEntry("Check again", MenuAction.CHECK)
    return None


def menu_entries(facts: TrayFacts, view: StatusView, *, checking: bool = False) -> list[MenuEntry]:
    ready = facts.set_up and not facts.syncing
    sync = (
        MenuEntry("Syncing… show progress", MenuAction.SHOW_PROGRESS)
        if facts.syncing
        else MenuEntry("Sync now", MenuAction.SYNC_NOW, ready)
    )
    fix = fix_entry(facts)
    return [
        MenuEntry(view.line, None, False),
        *([fix] if fix is not None else []),
        SEPARATOR,
        sync,
        MenuEntry(
            f"Review invoices to create ({facts.review_count})", MenuAction.REVIEW, facts.set_up
        ),
        MenuEntry("Preview changes", MenuAction.PREVIEW, ready),
        MenuEntry("Sync history", MenuAction.HISTORY),
        MenuEntry("Check the books", MenuAction.BOOKS, ready),
        MenuEntry(
            "Checking connection…" if checking else "Check connection",
            MenuAction.CHECK,
            facts.set_up and not checking and not facts.syncing,
        ),
        SEPARATOR,
        MenuEntry("Settings", MenuAction.SETTINGS),
        MenuEntry("Set up…", MenuAction.SETUP, not facts.syncing),
        MenuEntry("Open logs folder", MenuAction.LOGS),
        MenuEntry("About", MenuAction.ABOUT),
        SEPARATOR,
        MenuEntry("Quit", MenuAction.QUIT),
    ]


def fill_menu(menu: QMenu, entries: list[MenuEntry], trigger: Callable[[MenuAction], None]) -> None:
    menu.clear()
    for entry in entries:
        if entry.separator:
            menu.addSeparator()
            continue
        action = menu.addAction(entry.label)
        action.setEnabled(entry.enabled)
        if entry.action is not None:
            action.setObjectName(entry.action.value)
            chosen = entry.action
            action.triggered.connect(lambda _=False, chosen=chosen: trigger(chosen))
