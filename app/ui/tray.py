"""The tray icon: its icon and tooltip follow the status; its menu is rebuilt each time it opens."""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from app.ui.icons import status_icon
from app.ui.menu import Trigger, fill_menu
from app.ui.notifier import Notice
from app.ui.status import StatusView

NOTICE_MS = 15_000

MenuSource = Callable[[], list]  # () -> list[MenuEntry]


class Tray(QObject):
    def __init__(
        self,
        entries: MenuSource,
        trigger: Trigger,
        notice_clicked: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._entries = entries
        self._trigger = trigger
        self.menu = QMenu()
        self.menu.aboutToShow.connect(self.rebuild)
        self.icon = QSystemTrayIcon(self)
        self.icon.setContextMenu(self.menu)
        self.icon.messageClicked.connect(notice_clicked)
        self.icon.activated.connect(self._activated)
        self.rebuild()

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def rebuild(self) -> None:
        fill_menu(self.menu, self._entries(), self._trigger)

    def show_status(self, view: StatusView) -> None:
        self.icon.setIcon(status_icon(view.status))
        self.icon.setToolTip(view.tooltip)

    def show_notice(self, notice: Notice) -> None:
        kind = (
            QSystemTrayIcon.MessageIcon.Warning
            if notice.warning
            else QSystemTrayIcon.MessageIcon.Information
        )
        self.icon.showMessage(notice.title, notice.text, kind, NOTICE_MS)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # macOS opens the context menu on a click by itself.
        if reason is QSystemTrayIcon.ActivationReason.Trigger and sys.platform != "darwin":
            self.menu.popup(QCursor.pos())
