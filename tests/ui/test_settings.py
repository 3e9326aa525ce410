"""Settings: workflows, field maps file, start at login, notifications, API share, timed sync."""

from __future__ import annotations

from typing import Any

from app.context import AppContext
from app.domain.mapping_file import default_mapping_text
from app.platform.autostart import AutostartError
from app.store.settings import API_RESERVE
from app.ui.notifier import NoticeKind
from app.ui.preferences import Preferences
from app.ui.windows.settings import SettingsWindow, mapping_file_report


def test_saving_keeps_every_choice(qtbot: Any, ctx: AppContext) -> None:
    calls: list[bool] = []
    saved: list[int] = []
    window = SettingsWindow(ctx, saved=lambda: saved.append(1), set_start_at_login=calls.append)
    qtbot.addWidget(window)
    window.workflow_boxes["payments"].setChecked(False)
    window.notice_boxes[NoticeKind.SYNC_FINISHED].setChecked(True)
    window.api_reserve.setValue(25)
    window.sync_every.setCurrentIndex(window.sync_every.findData(30))
    window.start_at_login.setChecked(True)
    window.save()
    assert saved == [1]
    assert calls == [True] or not window.start_at_login.isEnabled()
    chosen = Preferences.load(ctx.store)
    assert chosen.workflows["payments"] is False
    assert chosen.workflows["invoices"] is True
    assert chosen.notifications[NoticeKind.SYNC_FINISHED] is True
    assert chosen.api_reserve == 0.25
    assert chosen.sync_every_minutes == 30
    assert ctx.store.get(API_RESERVE) == 0.25


def test_on_demand_is_the_default_and_one_workflow_is_needed(qtbot: Any, ctx: AppContext) -> None:
    window = SettingsWindow(ctx, saved=lambda: None, set_start_at_login=lambda _on: None)
    qtbot.addWidget(window)
    assert window.sync_every.currentData() == 0
    for box in window.workflow_boxes.values():
        box.setChecked(False)
    window.save()
    assert "at least one" in window.problem.text()


def test_start_at_login_problems_are_shown_not_saved(qtbot: Any, ctx: AppContext) -> None:
    def refuse(_on: bool) -> None:
        raise AutostartError("The start-at-login setting could not be saved: access denied.")

    window = SettingsWindow(ctx, saved=lambda: None, set_start_at_login=refuse)
    qtbot.addWidget(window)
    window.start_at_login.setChecked(True)
    window.save()
    if window.start_at_login.isEnabled():
        assert "access denied" in window.problem.text()
        assert Preferences.load(ctx.store).start_at_login is False


def test_field_map_file_is_checked_and_can_go_back_to_defaults(qtbot: Any, ctx: AppContext) -> None:
    path = ctx.paths.mapping_file
    assert "default field maps" in mapping_file_report(path)
    path.write_text(default_mapping_text(), encoding="utf-8")
    assert mapping_file_report(path) == "The field map file is valid."
    path.write_text("[customers\nbroken", encoding="utf-8")
    assert "problem" in mapping_file_report(path)
    window = SettingsWindow(ctx, saved=lambda: None, set_start_at_login=lambda _on: None)
    qtbot.addWidget(window)
    window.reset_mapping_file()
    assert not path.exists()
    assert path.with_suffix(".toml.bak").exists()
    assert "default field maps" in window.maps_status.text()
