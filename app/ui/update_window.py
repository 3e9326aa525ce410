"""The update window: what version is available and what is new, the download, Restart to update."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.update_agent import Phase, UpdateAgent, UpdateView


def headline(view: UpdateView) -> str:
    offer = view.offer
    version = offer.version if offer else ""
    return {
        Phase.IDLE: "Updates",
        Phase.CHECKING: "Looking for a new version…",
        Phase.UP_TO_DATE: "You have the newest version",
        Phase.DOWNLOADING: f"Update available: version {version}",
        Phase.READY: f"Version {version} is ready to install",
        Phase.FAILED: "The update did not work",
    }[view.phase]


def explanation(view: UpdateView) -> str:
    installed = f"This is version {view.installed}." if view.installed else ""
    if view.phase is Phase.DOWNLOADING:
        return f"{installed} The new version is downloading in the background; keep working."
    if view.phase is Phase.READY and view.restart_after_sync:
        return "The app restarts to update as soon as the sync that is running has finished."
    if view.phase is Phase.READY:
        return (
            f"{installed} It is installed when the app quits, or now with Restart to update. "
            "A sync that is running finishes first."
        )
    if view.phase is Phase.UP_TO_DATE:
        return f"{installed} The app looks for a new version once a day."
    return view.message or installed


def download_text(view: UpdateView) -> str:
    if not view.expected:
        return ""
    return f"{view.done / 1_000_000:.1f} of {view.expected / 1_000_000:.1f} MB"


class UpdateWindow(QDialog):
    def __init__(self, agent: UpdateAgent, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.agent = agent
        self.setWindowTitle("Updates")
        self.setMinimumWidth(460)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold; font-size: 14px")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes_label = QLabel("What's new")
        self.notes = QPlainTextEdit()
        self.notes.setReadOnly(True)
        self.notes.setMaximumHeight(140)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.amount = QLabel()
        self.restart = QPushButton("Restart to update")
        self.restart.setObjectName("restart_to_update")
        self.restart.clicked.connect(agent.restart_to_update)
        self.check = QPushButton("Check for updates")
        self.check.clicked.connect(lambda: agent.check_now())
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.check)
        buttons.addStretch(1)
        buttons.addWidget(self.restart)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        for widget in (self.title, self.text, self.notes_label, self.notes, self.progress):
            layout.addWidget(widget)
        layout.addWidget(self.amount)
        layout.addLayout(buttons)
        agent.changed.connect(self.show_view)
        self.show_view(agent.view)

    def show_view(self, view: UpdateView) -> None:
        self.title.setText(headline(view))
        self.text.setText(explanation(view))
        notes = view.offer.notes if view.offer else ""
        self.notes.setPlainText(notes)
        self.notes.setVisible(bool(notes))
        self.notes_label.setVisible(bool(notes))
        downloading = view.phase is Phase.DOWNLOADING
        self.progress.setVisible(downloading or view.phase is Phase.READY)
        percent = 100 * view.done // view.expected if view.expected else 0
        self.progress.setValue(100 if view.phase is Phase.READY else percent)
        self.amount.setText(download_text(view) if downloading else "")
        self.amount.setVisible(downloading)
        self.restart.setVisible(view.phase is Phase.READY)
        self.restart.setEnabled(not view.restart_after_sync)
        self.check.setEnabled(not view.busy and view.phase is not Phase.READY)
