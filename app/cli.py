"""Command line: `qbsf [--data-dir DIR] COMMAND ...`. Exit codes are stable for scripts."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from enum import IntEnum

from app import APP_NAME, __version__
from app.context import AppContext
from app.platform.credentials import CredentialError, Secret
from app.store import DatabaseError

log = logging.getLogger(__name__)


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    NEEDS_ATTENTION = 3  # a connection problem someone must fix (QuickBooks dialog, sign-in)
    BUSY = 4  # another sync is running
    PARTIAL = 5  # the run finished, some records failed
    CANCELLED = 6


Handler = Callable[[argparse.Namespace, AppContext], int]


def _cmd_status(args: argparse.Namespace, ctx: AppContext) -> int:
    store = ctx.store
    settings = store.settings()
    out = sys.stdout
    out.write(f"{APP_NAME} {__version__}\n")
    out.write(f"Data folder: {ctx.paths.data_dir}\n")
    out.write(f"Database:    {ctx.paths.database} (schema {store.schema_version()})\n")
    out.write(f"Logs:        {ctx.paths.log_file}\n\n")

    try:
        has_key = ctx.credentials.get(Secret.CONDUCTOR_SECRET_KEY) is not None
        has_token = ctx.credentials.get(Secret.SALESFORCE_REFRESH_TOKEN) is not None
        keyring_note = ""
    except CredentialError as exc:
        has_key = has_token = False
        keyring_note = f"  ({exc.title}: {exc.message})\n"
    end_user = settings.get("conductor.end_user_id")
    if end_user and has_key:
        out.write(f"QuickBooks:  connected through Conductor (end user {end_user})\n")
    else:
        out.write("QuickBooks:  not connected\n")
    sf_user = settings.get("salesforce.username")
    if sf_user and has_token:
        org = settings.get("salesforce.org_id", "?")
        out.write(f"Salesforce:  signed in as {sf_user} (org {org})\n")
    else:
        out.write("Salesforce:  not signed in\n")
    out.write(keyring_note)

    run = store.last_run()
    if run is None:
        out.write("\nLast sync:   never\n")
    else:
        counts = store.outcome_counts(run.id)
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "nothing"
        out.write(
            f"\nLast sync:   #{run.id} {run.status} at {run.finished_at or run.started_at} "
            f"({run.trigger}; {summary})\n"
        )
    return ExitCode.OK


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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    status = commands.add_parser("status", help="what is connected and how the last sync went")
    status.set_defaults(handler=_cmd_status)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        handler = _cmd_status
    level = logging.INFO if args.verbose else logging.WARNING
    try:
        ctx = AppContext.create(args.data_dir, console_level=level)
    except OSError as exc:
        print(f"The data folder cannot be used: {exc}", file=sys.stderr)
        return ExitCode.ERROR
    try:
        return int(handler(args, ctx))
    except DatabaseError as exc:
        print(str(exc), file=sys.stderr)
        return ExitCode.ERROR
    except CredentialError as exc:
        print(f"{exc.title}. {exc.message}", file=sys.stderr)
        return ExitCode.ERROR
    except KeyboardInterrupt:
        return ExitCode.CANCELLED
    finally:
        ctx.close()
