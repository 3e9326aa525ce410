"""`reconcile`: check that QuickBooks and Salesforce agree on the books, and fix what differs."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from app.commands.engine_access import with_engine
from app.commands.exit_codes import ExitCode
from app.context import AppContext
from app.engine import double_entry
from app.engine.books.model import Reconciliation, default_period
from app.engine.books.saved import for_run
from app.engine.engine import SyncEngine
from app.engine.report import write_reconciliation_csv
from app.platform.user import os_user


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "reconcile",
        help="check that QuickBooks and Salesforce agree (open invoices, payments)",
        description=(
            "Compares open invoices (overall and per customer) and the payments of a period "
            "in QuickBooks and Salesforce, and lists every record that differs. Exit code 0 "
            "when they agree, 5 when they differ."
        ),
    )
    parser.add_argument(
        "--from",
        dest="start",
        metavar="DATE",
        type=_day,
        help="first payment date (default: 30 days ago)",
    )
    parser.add_argument(
        "--to", dest="end", metavar="DATE", type=_day, help="last payment date (default: today)"
    )
    parser.add_argument(
        "--fix",
        action="store_true",
        help="re-sync exactly the records that differ, then check again",
    )
    parser.add_argument("--csv", metavar="FILE", help="also write the result as CSV")
    parser.add_argument(
        "--dismiss",
        metavar="PAYMENT_ID",
        action="append",
        help=(
            "mark a payment flagged as a possible duplicate as correct (its QuickBooks id, as "
            "the check lists it); may be given more than once"
        ),
    )
    parser.set_defaults(handler=cmd_reconcile)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-06-30") from None


def cmd_reconcile(args: argparse.Namespace, ctx: AppContext) -> int:
    if args.dismiss:
        return _dismiss(ctx, args.dismiss)
    default_start, default_end = default_period()
    period = (args.start or default_start, args.end or default_end)
    if period[0] > period[1]:
        print("--from must be on or before --to.", file=sys.stderr)
        return ExitCode.USAGE

    def work(engine: SyncEngine) -> int:
        found = engine.check_books(period=period)
        _show(found)
        if args.fix and not found.clean and found.error is None:
            result = engine.repair(found)
            if result is not None:
                print(f"\nRe-synced the records above in run #{result.run_id}: {result.headline()}")
                after = for_run(engine.store, result.run_id)
                if after is not None:
                    print()
                    _show(after)
                    found = after
        if args.csv:
            write_reconciliation_csv(found, args.csv)
            print(f"\nWrote {args.csv}")
        if found.error is not None:
            return ExitCode.NEEDS_ATTENTION
        return ExitCode.OK if found.clean else ExitCode.PARTIAL

    return with_engine(ctx, work)


def _dismiss(ctx: AppContext, payment_ids: list[str]) -> int:
    """Flags are the store's alone, so no connection is needed to dismiss one."""
    missing = []
    for qb_id in payment_ids:
        if double_entry.dismiss(ctx.store, qb_id, os_user()):
            print(f"Payment {qb_id} is marked correct: no longer listed as a possible duplicate.")
        else:
            missing.append(qb_id)
    for qb_id in missing:
        print(f"No payment {qb_id} is flagged as a possible duplicate.", file=sys.stderr)
    return ExitCode.USAGE if missing else ExitCode.OK


def _show(found: Reconciliation) -> None:
    for line in found.report_lines():
        print(line)
