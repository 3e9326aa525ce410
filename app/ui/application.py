"""Starting the tray app: one instance per user, the crash dialog, the shell, the event loop."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

from app import APP_ID, APP_NAME, __version__
from app.context import AppContext
from app.platform.appid import set_app_user_model_id
from app.platform.autostart import repair_start_at_login
from app.ui.excepthook import ExceptHook
from app.ui.fault_switch import FaultSwitch
from app.ui.icons import app_icon
from app.ui.shell import Shell
from app.ui.single_instance import claim, server_name
from app.ui.warm_up import warm_up
from app.ui.wizard.defaults import SetupDefaults

log = logging.getLogger(__name__)


def qt_application() -> QApplication:
    existing = QCoreApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_ID)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)
    return app


def stop_on_signals(shell: Shell) -> QTimer:
    """Ctrl+C or a polite kill quits like the menu's Quit, so the demo cleans up after itself."""
    for name in ("SIGINT", "SIGTERM"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), lambda *_: shell.quit())
    # Python runs signal handlers only between bytecodes; a tick lets it in while Qt waits.
    ticker = QTimer(shell)
    ticker.timeout.connect(lambda: None)
    ticker.start(250)
    return ticker


def run_tray(
    ctx: AppContext,
    arguments: Sequence[str] = (),
    *,
    defaults: SetupDefaults | None = None,
    instance_scope: str | None = None,
    faults: FaultSwitch | None = None,
) -> int:
    """Runs until Quit; 0 also when another instance took over (it got the arguments)."""
    set_app_user_model_id()
    app = qt_application()
    instance = claim(server_name(instance_scope or str(ctx.paths.data_dir)), list(arguments))
    if instance is None:
        print(f"{APP_NAME} is already running; it was brought forward.", file=sys.stderr)
        return 0
    repair_start_at_login()
    shell = Shell(ctx, defaults=defaults, faults=faults)
    hook = ExceptHook(shell.show_error).install()
    instance.activated.connect(shell.handle_arguments)
    shell.quit_requested.connect(app.quit)
    stop_on_signals(shell)
    shell.start()
    warm_up()
    if arguments:
        shell.handle_arguments(list(arguments))
    log.info("%s %s started (data in %s)", APP_NAME, __version__, ctx.paths.data_dir)
    try:
        return app.exec()
    finally:
        hook.uninstall()
        shell.controller.cancel_run()
        shell.controller.background.wait()
        shell.dispose()
        # Last: whoever waits for this app to close (`--quit`, setup) sees it only after the sync.
        instance.close()
