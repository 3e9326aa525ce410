"""Icons from `resources/icons`: a light or dark variant of each tray status, and the app's own."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QIcon, QPalette

from app.engine.health import Status
from app.ui.resources import resource_path
from app.ui.status import slug


def dark_theme() -> bool:
    """True when windows and panels are dark, so icons need light strokes."""
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return False
    window = app.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < 128


def status_icon_file(status: Status, *, dark: bool) -> str:
    variant = "dark" if dark else "light"
    return str(resource_path("icons", f"tray-{slug(status)}-{variant}.svg"))


def status_icon(status: Status, dark: bool | None = None) -> QIcon:
    return QIcon(status_icon_file(status, dark=dark_theme() if dark is None else dark))


def app_icon() -> QIcon:
    return QIcon(str(resource_path("icons", "app.svg")))
