"""Demo mode's switch for simulated problems, as the tray knows it, and the demo marker on windows.

The demo command hands the tray an object with this shape; the tray never imports what is behind
it, so a normal start has no sandbox code loaded at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

from app import APP_NAME

#: Added to window titles and the tray tooltip while the app runs against the sandboxes.
DEMO_MARKER = "(demo)"


class FaultSwitch(Protocol):
    def simulations(self) -> Sequence[tuple[str, str]]:
        """The problems that can be simulated, in menu order: (key for `simulate`, label)."""
        ...

    def simulate(self, key: str) -> None:
        """Brings the problem about; it lasts until `clear`. May block briefly (network)."""
        ...

    def clear(self) -> None:
        """Ends every simulated problem."""
        ...


def marked_title(title: str) -> str:
    """'Sync history' -> 'Sync history (demo)'; an untitled window gets the app's name."""
    if title.endswith(DEMO_MARKER):
        return title
    return f"{title or APP_NAME} {DEMO_MARKER}"


class DemoMarker(QObject):
    """Keeps the demo marker on the titles of the windows it watches, whatever they set later."""

    def watch(self, window: QWidget) -> None:
        window.installEventFilter(self)
        window.setWindowTitle(marked_title(window.windowTitle()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.WindowTitleChange and isinstance(watched, QWidget):
            title = watched.windowTitle()
            if not title.endswith(DEMO_MARKER):
                watched.setWindowTitle(marked_title(title))
        return False
