"""`tray` (also: no command at all): the tray app."""

from __future__ import annotations

import argparse
import sys

from app.commands.exit_codes import ExitCode
from app.context import AppContext


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "tray",
        help="start the tray app (the default when no command is given)",
        description="Starts the tray app. If it is already running, the running one comes "
        "forward (and opens setup or starts a sync when asked to).",
    )
    parser.add_argument("--setup", action="store_true", help="open the setup wizard")
    parser.add_argument("--sync", action="store_true", help="start a sync at once")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: AppContext) -> int:
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

    forwarded = [name for name in ("setup", "sync") if getattr(args, name, False)]
    code = run_tray(ctx, forwarded)
    return ExitCode.OK if code == 0 else ExitCode.ERROR
