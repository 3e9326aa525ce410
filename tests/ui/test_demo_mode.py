"""Demo mode says it is a demo, and its tray menu can simulate each problem against the sandboxes
(over their admin APIs) so every alert and its recovery can be seen."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from app.context import AppContext
from app.engine.health import Status
from app.sandbox.fault_switch import SandboxFaultSwitch
from app.sandbox.launcher import Sandboxes
from app.ui.controller import Controller
from app.ui.fault_switch import DEMO_MARKER
from app.ui.menu import SIMULATE_MENU, MenuAction
from app.ui.shell import Shell
from app.ui.status import QUICKBOOKS_BLOCKED_LINE
from app.ui.wizard.defaults import SetupDefaults

WAIT = 60_000
PROBLEMS = [
    "QuickBooks dialog open",
    "QuickBooks not running",
    "Web Connector offline",
    "Salesforce sign-in expired",
    "Conductor cannot be reached",
    "Network drop",
]


def demo_shell(
    qtbot: Any, ctx: AppContext, sandboxes: Sandboxes, defaults: SetupDefaults, *, tray: bool
) -> Iterator[Shell]:
    controller = Controller(ctx)
    shell = Shell(
        ctx,
        controller=controller,
        defaults=defaults,
        use_tray=tray,
        quiet_s=0,
        poll=False,
        faults=SandboxFaultSwitch(sandboxes),
    )
    shell.start()
    yield shell
    shell.quit()
    controller.cancel_run()
    qtbot.waitUntil(lambda: not controller.background.busy, timeout=WAIT)
    shell.dispose()
    sandboxes.conductor.clear_faults()
    sandboxes.salesforce.clear_faults()


@pytest.fixture
def demo(
    qtbot: Any, connected: AppContext, sandboxes: Sandboxes, defaults: SetupDefaults
) -> Iterator[Shell]:
    yield from demo_shell(qtbot, connected, sandboxes, defaults, tray=False)


@pytest.fixture
def demo_tray(
    qtbot: Any, connected: AppContext, sandboxes: Sandboxes, defaults: SetupDefaults
) -> Iterator[Shell]:
    yield from demo_shell(qtbot, connected, sandboxes, defaults, tray=True)


def submenu_actions(menu: QMenu) -> dict[str, QAction]:
    return {a.text(): a for a in menu.actions() if a.text()}


def choose(qtbot: Any, shell: Shell, action: QAction) -> None:
    with qtbot.waitSignal(shell.simulated, timeout=WAIT):
        action.trigger()


def simulate_menu(shell: Shell) -> QMenu:
    window = shell.status_window
    assert window is not None
    menu = window.submenus[SIMULATE_MENU].menu()
    assert isinstance(menu, QMenu)
    return menu


def test_the_tray_menu_has_the_simulate_submenu_and_says_demo(demo_tray: Shell) -> None:
    tray = demo_tray.tray
    assert tray is not None
    tray.rebuild()
    top = {a.text(): a for a in tray.menu.actions() if a.text()}
    submenu = top[SIMULATE_MENU].menu()
    assert isinstance(submenu, QMenu)
    actions = submenu_actions(submenu)
    assert list(actions)[: len(PROBLEMS)] == PROBLEMS
    assert actions["QuickBooks dialog open"].objectName() == "simulate:qb_dialog"
    assert actions["QuickBooks dialog open"].isCheckable()
    assert not actions["Clear all"].isEnabled()
    assert tray.icon.toolTip().splitlines()[0].endswith(DEMO_MARKER)


def test_a_simulated_dialog_blocks_the_sync_and_clear_all_then_try_again_recovers(
    qtbot: Any, demo: Shell, sandboxes: Sandboxes
) -> None:
    window = demo.status_window
    assert window is not None
    assert window.windowTitle().endswith(DEMO_MARKER)
    assert window.toolTip().splitlines()[0].endswith(DEMO_MARKER)

    choose(qtbot, demo, submenu_actions(simulate_menu(demo))["QuickBooks dialog open"])
    assert [f["kind"] for f in sandboxes.conductor.app.faults.snapshot()] == ["qb_dialog"]
    ticked = submenu_actions(simulate_menu(demo))
    assert ticked["QuickBooks dialog open"].isChecked()
    assert ticked["Clear all"].isEnabled()

    with qtbot.waitSignal(demo.controller.run_finished, timeout=WAIT) as finished:
        demo.trigger(MenuAction.SYNC_NOW)
    assert finished.args[1].status.value == "needs_attention"
    view = demo.controller.view
    assert view.status is Status.NEEDS_ATTENTION
    assert view.line == QUICKBOOKS_BLOCKED_LINE
    assert window.line.text() == QUICKBOOKS_BLOCKED_LINE
    assert QUICKBOOKS_BLOCKED_LINE in window.toolTip()
    progress = demo.windows["progress"]
    assert progress.windowTitle() == f"Sync {DEMO_MARKER}"
    assert demo.notifier.last is not None and demo.notifier.last.title == "QuickBooks is blocked"

    choose(qtbot, demo, submenu_actions(simulate_menu(demo))["Clear all"])
    assert sandboxes.conductor.app.faults.snapshot() == []
    assert not submenu_actions(simulate_menu(demo))["QuickBooks dialog open"].isChecked()

    assert MenuAction.TRY_AGAIN in window.buttons
    with qtbot.waitSignal(demo.controller.run_finished, timeout=WAIT) as again:
        window.buttons[MenuAction.TRY_AGAIN].click()
    assert again.args[1].status.value == "succeeded"
    qtbot.waitUntil(lambda: not demo.controller.checking, timeout=WAIT)
    assert demo.controller.view.status is Status.HEALTHY
    assert demo.controller.view.line.startswith("Up to date (last sync ")
    assert window.line.text().startswith("Up to date")


def test_a_simulated_sign_in_expiry_asks_to_sign_in_again(
    qtbot: Any, demo: Shell, sandboxes: Sandboxes
) -> None:
    choose(qtbot, demo, submenu_actions(simulate_menu(demo))["Salesforce sign-in expired"])
    with qtbot.waitSignal(demo.controller.checked, timeout=WAIT) as checked:
        demo.trigger(MenuAction.CHECK)
    assert checked.args[0].status is Status.ERROR
    assert demo.notifier.last is not None
    assert demo.notifier.last.title == "Salesforce sign-in expired"
    top = demo.entries()[1]
    assert top.action is MenuAction.SIGN_IN_AGAIN
    assert demo.errors[-1].windowTitle().endswith(DEMO_MARKER)


def test_normal_mode_has_no_simulate_menu_and_no_marker(shell: Shell) -> None:
    assert shell.faults is None
    assert SIMULATE_MENU not in [e.label for e in shell.entries()]
    window = shell.status_window
    assert window is not None
    assert SIMULATE_MENU not in window.submenus
    assert DEMO_MARKER not in window.windowTitle()
    assert DEMO_MARKER not in window.toolTip()


def test_the_tray_app_loads_no_sandbox_code_outside_demo_mode() -> None:
    code = (
        "import sys, app.cli, app.ui.application, app.ui.shell, app.engine.engine;"
        "print(sorted(m for m in sys.modules if m.startswith('app.sandbox')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def check(qtbot: Any, shell: Shell) -> Any:
    with qtbot.waitSignal(shell.controller.checked, timeout=WAIT) as checked:
        shell.trigger(MenuAction.CHECK)
    return checked.args[0]


def test_only_conductor_down_names_conductor_and_a_network_drop_names_the_internet(
    qtbot: Any, demo: Shell
) -> None:
    choose(qtbot, demo, submenu_actions(simulate_menu(demo))["Conductor cannot be reached"])
    health = check(qtbot, demo)
    assert health.status is Status.OFFLINE
    assert health.error.title == "QuickBooks (Conductor) cannot be reached"
    assert "internet" not in demo.controller.view.line
    assert demo.controller.view.line == health.error.title

    choose(qtbot, demo, submenu_actions(simulate_menu(demo))["Network drop"])
    health = check(qtbot, demo)
    assert health.status is Status.OFFLINE
    assert health.error.title == "No internet connection"
    assert "Neither Conductor (QuickBooks) nor Salesforce" in health.error.what_happened

    choose(qtbot, demo, submenu_actions(simulate_menu(demo))["Clear all"])
    assert check(qtbot, demo).status is Status.HEALTHY
