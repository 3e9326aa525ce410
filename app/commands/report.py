"""`report`: a run's report (who, when, each record both ways, before -> after, the
reconciliation), printed or exported as CSV and PDF."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.commands.exit_codes import ExitCode
from app.context import AppContext
from app.engine import report


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("report", help="a run's report for the accountant (CSV, PDF)")
    parser.add_argument("run", nargs="?", type=int, help="the run (default: the last one)")
    parser.add_argument("--csv", metavar="FILE", type=Path, help="write the report as CSV")
    parser.add_argument("--pdf", metavar="FILE", type=Path, help="write the report as PDF")
    parser.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace, ctx: AppContext) -> int:
    store = ctx.store
    run_id = args.run
    if run_id is None:
        last = store.last_run()
        if last is None:
            print("No sync has run yet.", file=sys.stderr)
            return ExitCode.USAGE
        run_id = last.id
    found = report.build(store, run_id)
    if found is None:
        print(f"There is no run #{run_id}.", file=sys.stderr)
        return ExitCode.USAGE
    if not args.csv and not args.pdf:
        print("\n".join(found.summary_lines()))
        return ExitCode.OK
    if args.csv:
        report.write_csv(found, args.csv)
        print(f"Wrote {args.csv}")
    if args.pdf:
        from app.reports.pdf import write_pdf

        write_pdf(found, args.pdf)
        print(f"Wrote {args.pdf}")
    return ExitCode.OK
