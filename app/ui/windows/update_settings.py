"""Settings > Updates: the daily check on or off, the update server's address, Check for updates."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QLineEdit, QPushButton, QWidget

from app.store import Store
from app.store.settings import UPDATE_CHECK_AUTOMATICALLY, UPDATE_SERVER_URL
from app.update.installation import current_installation


class UpdateSettings(QGroupBox):
    def __init__(
        self,
        store: Store,
        check_for_updates: Callable[[], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Updates", parent)
        self.store = store
        self.automatic = QCheckBox("Look for a new version once a day")
        self.automatic.setChecked(store.get(UPDATE_CHECK_AUTOMATICALLY))
        self.server = QLineEdit(store.get(UPDATE_SERVER_URL))
        installation = current_installation()
        shipped = installation.default_server if installation else ""
        self.server.setPlaceholderText(shipped or "https://updates.example.com/qbsf")
        self.server.setToolTip(
            "For firms that host their own copy of the update repository; empty uses the "
            "address this copy was built with. Updates are verified with the publisher's key "
            "whatever the address."
        )
        form = QFormLayout(self)
        form.addRow(self.automatic)
        form.addRow("Update server", self.server)
        if check_for_updates is not None:
            check = QPushButton("Check for updates…")
            check.setObjectName("check_for_updates")
            check.clicked.connect(lambda: check_for_updates())
            form.addRow(check)

    def problem(self) -> str:
        address = self.server.text().strip()
        if address and not address.startswith("https://"):
            return "The update server address must start with https://."
        return ""

    def save(self) -> None:
        self.store.set(UPDATE_CHECK_AUTOMATICALLY, self.automatic.isChecked())
        self.store.set(UPDATE_SERVER_URL, self.server.text().strip())
