"""Where the desktop has no tray: a small window with the status and the tray menu's actions.

Notifications show in it as a banner whose button opens what the notice speaks of.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME
from app.ui.icons import app_icon, status_icon
from app.ui.menu import MenuAction, MenuEntry, Trigger, fill_menu
from app.ui.notifier import Notice
from app.ui.status import StatusView


class StatusWindow(QWidget):
    closed = Signal()

    def __init__(
        self,
        entries: Callable[[], list[MenuEntry]],
        trigger: Trigger,
        notice_clicked: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._entries = entries
        self._trigger = trigger
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(app_icon())
        self.setMinimumWidth(380)

        self.icon = QLabel()
        self.line = QLabel("")
        self.line.setWordWrap(True)
        header = QHBoxLayout()
        header.addWidget(self.icon)
        header.addWidget(self.line, 1)

        self.banner = QFrame()
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner.setStyleSheet("QFrame { background: #fff4e5; border-radius: 4px; }")
        self.banner_text = QLabel("")
        self.banner_text.setWordWrap(True)
        self.banner_open = QPushButton("Open")
        self.banner_open.clicked.connect(notice_clicked)
        dismiss = QPushButton("Dismiss")
        dismiss.clicked.connect(self.banner.hide)
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.addWidget(self.banner_text, 1)
        banner_layout.addWidget(self.banner_open)
        banner_layout.addWidget(dismiss)
        self.banner.hide()

        self.actions_box = QVBoxLayout()
        # One group calls a bound method: a lambda per button held the window until exit.
        self.action_buttons = QButtonGroup(self)
        self.action_buttons.setExclusive(False)
        self.action_buttons.buttonClicked.connect(self._button_clicked)
        self.buttons: dict[MenuAction, QPushButton] = {}
        #: Buttons that open a submenu (demo mode's "Simulate a problem"), by label.
        self.submenus: dict[str, QPushButton] = {}
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addLayout(self.actions_box)
        layout.addStretch(1)
        self.rebuild()

    def rebuild(self) -> None:
        while self.actions_box.count():
            item = self.actions_box.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for old in self.buttons.values():
            self.action_buttons.removeButton(old)
        self.buttons.clear()
        self.submenus.clear()
        for entry in self._entries():
            if entry.submenu:
                self.actions_box.addWidget(self._submenu_button(entry))
                continue
            if entry.action is None:
                continue
            button = QPushButton(entry.label)
            button.setEnabled(entry.enabled)
            button.setObjectName(entry.action.value)
            self.action_buttons.addButton(button)
            self.buttons[entry.action] = button
            self.actions_box.addWidget(button)

    def _button_clicked(self, button: QAbstractButton) -> None:
        self._trigger(MenuAction(button.objectName()))

    def _submenu_button(self, entry: MenuEntry) -> QPushButton:
        button = QPushButton(entry.label)
        menu = QMenu(button)
        fill_menu(menu, entry.submenu, self._trigger)
        button.setMenu(menu)
        self.submenus[entry.label] = button
        return button

    def show_status(self, view: StatusView) -> None:
        self.icon.setPixmap(status_icon(view.status).pixmap(32, 32))
        self.line.setText(view.line)
        self.setToolTip(view.tooltip)
        self.rebuild()

    def show_notice(self, notice: Notice) -> None:
        self.banner_text.setText(
            f"<b>{html.escape(notice.title)}</b><br>{html.escape(notice.text)}"
        )
        self.banner_text.setTextFormat(Qt.TextFormat.RichText)
        self.banner.show()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.closed.emit()
        super().closeEvent(event)
