"""The tray menu as data (what to show, what is enabled) and the one function that fills a QMenu.

The tray rebuilds its menu from these entries every time it opens; the status window shows the
same entries as buttons.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import Qt
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
    MATCHES = "matches"
    SETTINGS = "settings"
    SETUP = "setup"
    LOGS = "logs"
    ABOUT = "about"
    QUIT = "quit"
    #: The update window (a download in progress), and installing a downloaded version now.
    UPDATES = "updates"
    RESTART_TO_UPDATE = "restart_to_update"
    #: Demo mode only: bring about the problem the entry's `key` names, or end them all.
    SIMULATE = "simulate"
    CLEAR_SIMULATED = "clear_simulated"


@dataclass(frozen=True)
class MenuEntry:
    label: str
    action: MenuAction | None = None  # None: the status line, a separator or a submenu
    enabled: bool = True
    #: Which one of several entries with the same action this is (a simulated problem).
    key: str = ""
    #: None: not a checkable entry.
    checked: bool | None = None
    submenu: tuple[MenuEntry, ...] = ()

    @property
    def separator(self) -> bool:
        return self.action is None and not self.label

    @property
    def name(self) -> str:
        """The object name of its menu action or button, for tests and accessibility."""
        if self.action is None:
            return ""
        return f"{self.action.value}:{self.key}" if self.key else self.action.value


SEPARATOR = MenuEntry("")
SIGN_IN_AGAIN = ErrorAction.RECONNECT_SALESFORCE.label

_FIX_ACTIONS = {
    Fix.SYNC: MenuAction.TRY_AGAIN,
    Fix.SHOW_FAILED: MenuAction.SHOW_FAILED,
    Fix.CHECK_BOOKS: MenuAction.BOOKS,
    Fix.DECIDE: MenuAction.MATCHES,
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
        MenuEntry(f"Matches to confirm ({facts.matches_count})", MenuAction.MATCHES, facts.set_up),
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


SIMULATE_MENU = "Simulate a problem"
CLEAR_SIMULATED = "Clear all"


def simulate_entry(simulations: Sequence[tuple[str, str]], active: Set[str]) -> MenuEntry:
    """Demo mode's submenu: each problem the sandboxes can simulate, ticked while on."""
    choices = [
        MenuEntry(label, MenuAction.SIMULATE, key=key, checked=key in active)
        for key, label in simulations
    ]
    clear = MenuEntry(CLEAR_SIMULATED, MenuAction.CLEAR_SIMULATED, bool(active))
    return MenuEntry(SIMULATE_MENU, submenu=(*choices, SEPARATOR, clear))


Trigger = Callable[..., None]  # (MenuAction) or (MenuAction, key)


def fill_menu(menu: QMenu, entries: Sequence[MenuEntry], trigger: Trigger) -> None:
    menu.clear()
    # Submenus are the menu's children, which clear() leaves behind.
    for old in menu.findChildren(QMenu, options=Qt.FindChildOption.FindDirectChildrenOnly):
        old.deleteLater()
    for entry in entries:
        if entry.separator:
            menu.addSeparator()
        elif entry.submenu:
            fill_menu(menu.addMenu(entry.label), entry.submenu, trigger)
        else:
            _add_action(menu, entry, trigger)


def _add_action(menu: QMenu, entry: MenuEntry, trigger: Trigger) -> None:
    action = menu.addAction(entry.label)
    action.setEnabled(entry.enabled)
    if entry.checked is not None:
        action.setCheckable(True)
        action.setChecked(entry.checked)
    if entry.action is None:
        return
    action.setObjectName(entry.name)
    chosen, key = entry.action, entry.key
    if key:
        action.triggered.connect(lambda _=False, c=chosen, k=key: trigger(c, k))
    else:
        action.triggered.connect(lambda _=False, c=chosen: trigger(c))
