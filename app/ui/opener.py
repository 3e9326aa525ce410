"""Opening folders and web pages with what the desktop uses for them."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

#: The app's own help pages (docs/help/), by a part of the error code they explain.
HELP_PAGES = {
    "0x80040414": "quickbooks-dialog-open",
    "3170": "quickbooks-dialog-open",
    "3175": "quickbooks-dialog-open",
    "QBD_REQUEST_TIMEOUT": "quickbooks-dialog-open",
    "QUICKBOOKS_NOT_RUNNING": "quickbooks-not-running",
    "0x80040408": "quickbooks-not-running",
    "INTEGRATION_CONNECTION_NOT_ACTIVE": "web-connector-offline",
    "INTEGRATION_CONNECTION": "web-connector-offline",
}
HELP_INDEX = "index"


def open_folder(path: Path) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def open_url(url: str) -> bool:
    return QDesktopServices.openUrl(QUrl(url))


def help_folder() -> Path:
    """docs/help beside the package (a source checkout) or inside a bundled build."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle and (Path(bundle) / "docs" / "help").is_dir():
        return Path(bundle) / "docs" / "help"
    return Path(__file__).resolve().parents[2] / "docs" / "help"


def help_page(error_code: str) -> Path:
    name = next((page for code, page in HELP_PAGES.items() if code in error_code), HELP_INDEX)
    return help_folder() / f"{name}.html"


def help_url(error_code: str) -> str:
    return QUrl.fromLocalFile(str(help_page(error_code))).toString()
