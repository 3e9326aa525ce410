"""About: the app's name and version, and where it keeps its data and logs."""

from __future__ import annotations

import html
import platform
from collections.abc import Callable

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app import APP_NAME, __version__
from app.context import AppContext
from app.ui.icons import app_icon


def about_html(ctx: AppContext) -> str:
    paths = ctx.paths
    return (
        f"<h2>{html.escape(APP_NAME)}</h2>"
        f"<p>Version {__version__}</p>"
        "<p>Keeps QuickBooks Desktop and Salesforce in step: customers, products, invoices and "
        "payments, each record linked by id on both sides.</p>"
        f"<p>Data folder: {html.escape(str(paths.data_dir))}<br>"
        f"Logs: {html.escape(str(paths.log_dir))}</p>"
        f"<p style='color:gray'>Python {platform.python_version()}, Qt for Python "
        f"{pyside_version}</p>"
    )


class AboutWindow(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        check_for_updates: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(64, 64))
        icon.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        text = QLabel(about_html(ctx))
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        if check_for_updates is not None:
            check = buttons.addButton("Check for updates…", QDialogButtonBox.ButtonRole.ActionRole)
            check.setObjectName("check_for_updates")
            check.clicked.connect(lambda: check_for_updates())
        layout = QVBoxLayout(self)
        layout.addWidget(icon)
        layout.addWidget(text)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
