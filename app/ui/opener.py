"""Opening folders and web pages with what the desktop uses for them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

#: Conductor's guides for the person at the QuickBooks computer, by Conductor error code.
QUICKBOOKS_HELP = {
    "INTEGRATION_CONNECTION_NOT_ACTIVE": (
        "https://docs.conductor.is/help/connection-errors/connection-not-active"
    ),
}
QUICKBOOKS_HELP_DEFAULT = "https://docs.conductor.is/help"


def open_folder(path: Path) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def open_url(url: str) -> bool:
    return QDesktopServices.openUrl(QUrl(url))


def quickbooks_help_url(error_code: str) -> str:
    return next(
        (url for code, url in QUICKBOOKS_HELP.items() if code in error_code),
        QUICKBOOKS_HELP_DEFAULT,
    )
