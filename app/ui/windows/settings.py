"""Settings: workflows, the field map file, start at login, notifications, API share, timed sync,
Salesforce choices (price book, record type, inactive customers), invoice numbers and the go-live
date, updates."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.domain.mapping_file import check_mapping, default_mapping_text
from app.domain.workflows import workflow
from app.engine.engine import ALL_WORKFLOWS
from app.platform import autostart
from app.ui.notifier import NoticeKind
from app.ui.opener import open_url
from app.ui.preferences import SYNC_EVERY_CHOICES, Preferences
from app.ui.windows.invoice_settings import InvoiceSettings
from app.ui.windows.salesforce_settings import SalesforceSettings
from app.ui.windows.update_settings import UpdateSettings


def every_label(minutes: int) -> str:
    if minutes == 0:
        return "Only when I click Sync now"
    if minutes < 60:
        return f"Every {minutes} minutes while connected"
    hours = minutes // 60
    return f"Every {hours} hour{'s' if hours > 1 else ''} while connected"


def mapping_file_report(path: Path) -> str:
    if not path.is_file():
        return "No field map file: the default field maps are used."
    issues = check_mapping(path.read_bytes())
    if not issues:
        return "The field map file is valid."
    listed = "; ".join(str(i) for i in issues[:3])
    return f"The field map file has {len(issues)} problem(s): {listed}"


class SettingsWindow(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        *,
        saved: Callable[[], None],
        set_start_at_login: Callable[[bool], None] = autostart.set_start_at_login,
        turned_off_by_windows: Callable[[], bool] = autostart.start_at_login_turned_off_by_windows,
        check_for_updates: Callable[[], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._saved = saved
        self._set_start_at_login = set_start_at_login
        self.preferences = Preferences.load(ctx.store)
        if autostart.start_at_login_supported():
            self.preferences.start_at_login = autostart.is_start_at_login()
        self.setWindowTitle("Settings")
        self.setMinimumWidth(520)

        workflows_box = QGroupBox("What to sync")
        workflows_layout = QVBoxLayout(workflows_box)
        self.workflow_boxes: dict[str, QCheckBox] = {}
        for workflow_id in ALL_WORKFLOWS:
            definition = workflow(workflow_id)
            box = QCheckBox(definition.title)
            box.setToolTip(definition.summary)
            box.setChecked(self.preferences.workflows.get(workflow_id, True))
            self.workflow_boxes[workflow_id] = box
            workflows_layout.addWidget(box)

        maps_box = QGroupBox("Field maps")
        self.maps_status = QLabel(mapping_file_report(ctx.paths.mapping_file))
        self.maps_status.setWordWrap(True)
        edit = QPushButton("Edit field map file")
        edit.clicked.connect(self.edit_mapping_file)
        check = QPushButton("Check file")
        check.clicked.connect(self._check_mapping)
        reset = QPushButton("Use the defaults")
        reset.clicked.connect(self.reset_mapping_file)
        maps_buttons = QHBoxLayout()
        for button in (edit, check, reset):
            maps_buttons.addWidget(button)
        maps_buttons.addStretch(1)
        maps_layout = QVBoxLayout(maps_box)
        maps_layout.addWidget(QLabel(str(ctx.paths.mapping_file)))
        maps_layout.addWidget(self.maps_status)
        maps_layout.addLayout(maps_buttons)

        general = QGroupBox("General")
        form = QFormLayout(general)
        self.start_at_login = QCheckBox("Start when I sign in to this computer")
        self.start_at_login.setChecked(self.preferences.start_at_login)
        self.start_at_login.setEnabled(autostart.start_at_login_supported())
        form.addRow(self.start_at_login)
        # Task Manager's switch wins over the Run value, so say when it is off there.
        self.startup_note = QLabel(autostart.TURNED_OFF_BY_WINDOWS)
        self.startup_note.setWordWrap(True)
        self.startup_note.setVisible(turned_off_by_windows())
        form.addRow(self.startup_note)
        self.sync_every = QComboBox()
        for minutes in SYNC_EVERY_CHOICES:
            self.sync_every.addItem(every_label(minutes), minutes)
        self.sync_every.setCurrentIndex(
            max(0, self.sync_every.findData(self.preferences.sync_every_minutes))
        )
        form.addRow("Sync", self.sync_every)
        self.api_reserve = QSpinBox()
        self.api_reserve.setRange(0, 90)
        self.api_reserve.setSuffix(" %")
        self.api_reserve.setValue(round(self.preferences.api_reserve * 100))
        self.api_reserve.setToolTip(
            "A sync stops before it would leave less than this share of the daily Salesforce "
            "API limit for your other Salesforce tools."
        )
        form.addRow("Leave for other Salesforce tools", self.api_reserve)

        notices = QGroupBox("Notify me when")
        notices_layout = QVBoxLayout(notices)
        self.notice_boxes: dict[NoticeKind, QCheckBox] = {}
        for kind in NoticeKind:
            box = QCheckBox(kind.label)
            box.setChecked(self.preferences.notifications.get(kind, kind.on_by_default))
            self.notice_boxes[kind] = box
            notices_layout.addWidget(box)

        self.salesforce = SalesforceSettings(ctx.store)
        self.invoices = InvoiceSettings(ctx.store)
        self.updates = UpdateSettings(ctx.store, check_for_updates)

        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b42318")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        # Two columns: in one the window would be taller than a laptop's screen.
        columns = QHBoxLayout()
        for sections in (
            (workflows_box, maps_box, general, self.invoices),
            (self.salesforce, notices, self.updates),
        ):
            column = QVBoxLayout()
            for section in sections:
                column.addWidget(section)
            column.addStretch(1)
            columns.addLayout(column)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    # -- field maps -----------------------------------------------------------------------------
    def edit_mapping_file(self) -> None:
        path = self.ctx.paths.mapping_file
        if not path.exists():
            path.write_text(default_mapping_text(), encoding="utf-8")
        open_url(path.as_uri())
        self.maps_status.setText(mapping_file_report(path))

    def _check_mapping(self) -> None:
        self.maps_status.setText(mapping_file_report(self.ctx.paths.mapping_file))

    def reset_mapping_file(self) -> None:
        path = self.ctx.paths.mapping_file
        if path.exists():
            path.replace(path.with_suffix(".toml.bak"))
        self.maps_status.setText(
            f"{mapping_file_report(path)} The old file was kept as {path.name}.bak."
            if path.with_suffix(".toml.bak").exists()
            else mapping_file_report(path)
        )

    # -- saving ---------------------------------------------------------------------------------
    def collect(self) -> Preferences:
        return Preferences(
            workflows={w: box.isChecked() for w, box in self.workflow_boxes.items()},
            start_at_login=self.start_at_login.isChecked(),
            notifications={k: box.isChecked() for k, box in self.notice_boxes.items()},
            api_reserve=self.api_reserve.value() / 100,
            sync_every_minutes=int(self.sync_every.currentData()),
        )

    def save(self) -> None:
        chosen = self.collect()
        if not any(chosen.workflows.values()):
            self.problem.setText("Choose at least one thing to sync.")
            return
        if chosen.start_at_login != self.preferences.start_at_login:
            try:
                self._set_start_at_login(chosen.start_at_login)
            except autostart.AutostartError as exc:
                self.problem.setText(str(exc))
                return
        if problem := self.invoices.problem_text() or self.updates.problem():
            self.problem.setText(problem)
            return
        chosen.save(self.ctx.store)
        self.salesforce.save()
        self.invoices.save()
        self.updates.save()
        self.preferences = chosen
        self._saved()
        self.accept()
