"""Command line: `qbsf [--data-dir DIR] COMMAND ...`. Exit codes are stable for scripts."""

from __future__ import annotations

import argparse
import importlib
import logging
from collections.abc import Callable, Sequence

from app import APP_NAME, __version__
from app.commands.engine_access import print_error, report_failure
from app.commands.exit_codes import ExitCode
from app.context import AppContext
from app.domain.errors import data_folder_unusable
from app.platform.console import ensure_standard_streams

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace, AppContext], int]

#: Command modules, in the order `--help` lists them.
COMMAND_MODULES = (
    "tray",
    "demo",
    "status",
    "sync",
    "reconcile",
    "match",
    "report",
    "sandbox",
    "connect",
    "doctor",
    "update",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qbsf", description=f"{APP_NAME}: keeps QuickBooks Desktop and Salesforce in step."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="keep the database, settings and logs in DIR (also: QBSF_DATA_DIR)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show informational logs")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation end to end against the built-in sandboxes, then exit",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"app.commands.{name}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    ensure_standard_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from app.selftest import run_self_test

        return run_self_test()
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        from app.commands import tray

        handler = tray.run
    level = logging.INFO if args.verbose else logging.WARNING
    try:
        ctx = AppContext.create(args.data_dir, console_level=level)
    except OSError as exc:
        print_error(data_folder_unusable(str(exc)))
        return ExitCode.ERROR
    try:
        return int(handler(args, ctx))
    except (Exception, KeyboardInterrupt) as exc:
        return report_failure(exc)
    finally:
        ctx.close()
