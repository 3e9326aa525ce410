"""Settings says when Windows' own start-up switch (Task Manager > Startup apps) is off."""

from __future__ import annotations

from typing import Any

from app.context import AppContext
from app.platform import autostart
from app.platform.registry import MemoryRegistry
from app.ui.windows.settings import SettingsWindow

ON = bytes([2]) + bytes(11)
OFF_IN_TASK_MANAGER = bytes([3, 0, 0, 0]) + bytes.fromhex("d40d438dc83bd901")


def settings_for(registry: MemoryRegistry, qtbot: Any, ctx: AppContext) -> SettingsWindow:
    window = SettingsWindow(
        ctx,
        saved=lambda: None,
        set_start_at_login=lambda _on: None,
        turned_off_by_windows=lambda: autostart.start_at_login_turned_off_by_windows(registry),
    )
    qtbot.addWidget(window)
    return window


def registry_with_run_value(flags: bytes | None) -> MemoryRegistry:
    registry = MemoryRegistry()
    registry.write(autostart.RUN_KEY, autostart.RUN_VALUE, r'"C:\Apps\qbsf.exe"')
    if flags is not None:
        registry.write_binary(autostart.STARTUP_APPROVED_KEY, autostart.RUN_VALUE, flags)
    return registry


def test_turned_off_in_task_manager_is_shown(qtbot: Any, ctx: AppContext) -> None:
    window = settings_for(registry_with_run_value(OFF_IN_TASK_MANAGER), qtbot, ctx)
    assert window.startup_note.isVisibleTo(window)
    assert "Task Manager > Startup apps" in window.startup_note.text()


def test_on_or_never_touched_in_task_manager_shows_nothing(qtbot: Any, ctx: AppContext) -> None:
    for flags in (ON, bytes([6]) + bytes(11), None):
        window = settings_for(registry_with_run_value(flags), qtbot, ctx)
        assert not window.startup_note.isVisibleTo(window)


def test_no_run_value_means_nothing_for_windows_to_turn_off() -> None:
    registry = MemoryRegistry()
    registry.write_binary(autostart.STARTUP_APPROVED_KEY, autostart.RUN_VALUE, OFF_IN_TASK_MANAGER)
    assert not autostart.start_at_login_turned_off_by_windows(registry)
