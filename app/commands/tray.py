"""`tray` (also: no command at all): the tray app; `tray --quit` closes a running one."""

from __future__ import annotations

import argparse
import logging
import sys

from app.commands.exit_codes import ExitCode
from app.context import AppContext
from app.logs import TRAY_LOG_FILE, setup_logging


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "tray",
        help="start the tray app (the default when no command is given)",
        description="Starts the tray app. If it is already running, the running one comes "
        "forward (and opens setup or starts a sync when asked to).",
    )
    parser.add_argument("--setup", action="store_true", help="open the setup wizard")
    parser.add_argument("--sync", action="store_true", help="start a sync at once")
    parser.add_argument(
        "--quit",
        action="store_true",
        help="ask the running tray app to finish its current batch and close, and wait for it "
        "(also: `qbsf --quit`)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: AppContext) -> int:
    if getattr(args, "quit", False):
        return quit_running_app(ctx)
    from app.commands.demo import has_display

    if not has_display():
        print(
            "The tray app needs a desktop, and this session has none (no DISPLAY or "
            "WAYLAND_DISPLAY). Try `python -m app status`, or `python -m app demo` for a "
            "sync against the built-in sandboxes in this terminal.",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    from app.ui.application import run_tray

    level = logging.INFO if getattr(args, "verbose", False) else logging.WARNING
    setup_logging(ctx.paths.log_dir, console_level=level, file_name=TRAY_LOG_FILE)
    forwarded = [name for name in ("setup", "sync") if getattr(args, name, False)]
    code = run_tray(ctx, forwarded)
    return ExitCode.OK if code == 0 else ExitCode.ERROR


def quit_running_app(ctx: AppContext) -> int:
    """Used by the installer before it replaces files; exit 0 once no tray app runs."""
    from PySide6.QtCore import QCoreApplication

    from app.ui.single_instance import quit_running, server_name

    _application = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    done, message = quit_running(server_name(str(ctx.paths.data_dir)))
    print(message, file=sys.stdout if done else sys.stderr)
    return ExitCode.OK if done else ExitCode.ERROR
