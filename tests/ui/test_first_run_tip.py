"""The first start says where the tray icon is on Windows 11 (behind "^") and how to pin it."""

from __future__ import annotations

from typing import Any

from app.context import AppContext
from app.ui.shell import FIRST_RUN_TIP, FIRST_RUN_TIP_MARK, Shell


def start_and_quit(ctx: AppContext) -> None:
    shell = Shell(ctx, use_tray=True, quiet_s=0, poll=False)
    shell.start()
    shell.quit()
    shell.dispose()


def test_the_tip_is_shown_on_the_first_start_only(qtbot: Any, ctx: AppContext) -> None:
    mark = ctx.paths.data_dir / FIRST_RUN_TIP_MARK
    assert not mark.exists()
    start_and_quit(ctx)
    assert mark.is_file()
    shown_at = mark.stat().st_mtime_ns
    start_and_quit(ctx)
    assert mark.stat().st_mtime_ns == shown_at


def test_no_tray_means_no_tip(qtbot: Any, ctx: AppContext) -> None:
    shell = Shell(ctx, use_tray=False, quiet_s=0, poll=False)
    shell.start()
    shell.quit()
    shell.dispose()
    assert not (ctx.paths.data_dir / FIRST_RUN_TIP_MARK).exists()


def test_the_tip_names_the_overflow_arrow_and_how_to_pin() -> None:
    assert "click the ^ arrow" in FIRST_RUN_TIP
    assert "drag it onto the taskbar" in FIRST_RUN_TIP
    assert "Other system tray icons" in FIRST_RUN_TIP
