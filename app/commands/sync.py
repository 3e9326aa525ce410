"""`sync`, `preview`, `review` and `history`: running the engine from a terminal or a scheduler."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from app.commands.engine_access import EXIT_FOR_STATUS, with_engine
from app.commands.exit_codes import ExitCode
from app.commands.progress import TerminalProgress
from app.context import AppContext
from app.domain.spreadsheet import SafeCsvWriter
from app.engine.engine import ALL_WORKFLOWS, SyncEngine
from app.engine.result import RunResult
from app.engine.review import ReviewCandidate, Reviewed, state_text
from app.engine.wording import outcomes_text
from app.store import Store

#: Hex digits of an invoice's fingerprint in the check code 'review list' prints.
CHECK_LENGTH = 10


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sync = commands.add_parser("sync", help="sync now (all enabled workflows, or those named)")
    sync.add_argument(
        "--workflow",
        action="append",
        choices=ALL_WORKFLOWS,
        help="only this workflow (repeatable)",
    )
    sync.add_argument(
        "--dry-run", action="store_true", help="show what would change; write nothing"
    )
    sync.add_argument(
        "--retry-failed", metavar="RUN", type=int, help="re-run the failed records of RUN"
    )
    sync.set_defaults(handler=cmd_sync)

    preview = commands.add_parser("preview", help="list what a sync would do, writing nothing")
    preview.add_argument("--workflow", action="append", choices=ALL_WORKFLOWS)
    preview.set_defaults(handler=cmd_preview)

    review = commands.add_parser("review", help="invoices waiting for approval (won opportunities)")
    actions = review.add_subparsers(dest="review_action", metavar="ACTION", required=True)
    actions.add_parser("list", help="list them with the invoice each would create")
    approve = actions.add_parser(
        "approve",
        help="create the invoices in QuickBooks, each as the last 'review list' showed it",
    )
    approve.add_argument(
        "ids",
        nargs="+",
        metavar="OPPORTUNITY_ID[=CHECK]",
        help="CHECK: the code 'review list' printed for that invoice",
    )
    skip = actions.add_parser("skip", help="do not invoice these opportunities")
    skip.add_argument("ids", nargs="+", metavar="OPPORTUNITY_ID")
    review.set_defaults(handler=cmd_review)

    history = commands.add_parser("history", help="past runs, or one run's records")
    history.add_argument("run", nargs="?", type=int, help="the run to show in detail")
    history.add_argument("--csv", metavar="FILE", type=Path, help="export the run's records as CSV")
    history.set_defaults(handler=cmd_history)


def cmd_sync(args: argparse.Namespace, ctx: AppContext) -> int:
    def work(engine: SyncEngine) -> int:
        with TerminalProgress() as progress:
            result = engine.run(
                args.workflow,
                trigger="cli",
                dry_run=args.dry_run,
                progress=progress,
                retry_of=args.retry_failed,
            )
        _print_result(result, sys.stdout)
        return EXIT_FOR_STATUS[result.status]

    return with_engine(ctx, work)


def cmd_preview(args: argparse.Namespace, ctx: AppContext) -> int:
    def work(engine: SyncEngine) -> int:
        result = engine.preview(args.workflow)
        out = sys.stdout
        changes = [p for p in result.planned if p.action != "unchanged"]
        if not changes:
            out.write("Nothing to do: both sides are in step.\n")
        for p in changes:
            ids = " ".join(
                x for x in (p.qb_id and f"QB {p.qb_id}", p.sf_id and f"SF {p.sf_id}") if x
            )
            detail = f"  ({p.detail})" if p.detail else ""
            out.write(f"{p.workflow:<14} {p.action:<16} {p.target:<11} {p.record}  {ids}{detail}\n")
        if result.error:
            out.write(f"\n{result.error.title}: {result.error.what_happened}\n")
        return EXIT_FOR_STATUS[result.status]

    return with_engine(ctx, work)


def cmd_review(args: argparse.Namespace, ctx: AppContext) -> int:
    def work(engine: SyncEngine) -> int:
        if args.review_action == "skip":
            engine.skip(args.ids)
            print(f"Skipped {len(args.ids)} opportunit{'y' if len(args.ids) == 1 else 'ies'}.")
            return ExitCode.OK
        if args.review_action == "approve":
            ids = [i.partition("=")[0] for i in args.ids]
            reviewed, refused = as_listed(ctx.store, args.ids)
            if refused:
                print("\n".join(["Nothing was approved.", *refused]), file=sys.stderr)
                return ExitCode.USAGE
            with TerminalProgress() as progress:
                result = engine.approve(ids, progress=progress, reviewed=reviewed)
            _print_result(result, sys.stdout)
            return EXIT_FOR_STATUS[result.status]
        queue = engine.review_queue()
        if not queue:
            print("No won opportunities are waiting to be invoiced.")
        for candidate in queue:
            _print_candidate(candidate)
        ctx.store.record_listing(
            [(c.id, r.ref_number, r.fingerprint) for c in queue if (r := c.reviewed) is not None]
        )
        return ExitCode.OK

    return with_engine(ctx, work)


def check_code(fingerprint: str) -> str:
    """The short code 'review list' prints for an invoice, passed back as ID=CHECK."""
    return fingerprint[:CHECK_LENGTH]


def as_listed(store: Store, args: list[str]) -> tuple[dict[str, Reviewed], list[str]]:
    """The invoice the last 'review list' showed for each OPPORTUNITY_ID[=CHECK], and why any
    cannot be approved: not listed, or not the invoice its CHECK names."""
    listed = store.listed_invoices()
    reviewed: dict[str, Reviewed] = {}
    refused = []
    for arg in args:
        opportunity_id, _, check = arg.partition("=")
        shown = listed.get(opportunity_id)
        if shown is None:
            refused.append(
                f"{opportunity_id}: not in the last 'qbsf review list' of this data folder with "
                "an invoice number. List the queue, check the invoice, then approve it."
            )
        elif check and check_code(shown[1]) != check.strip().lower():
            refused.append(
                f"{opportunity_id}: the last 'qbsf review list' showed another invoice than "
                f"check {check}. List the queue again and check the invoice."
            )
        else:
            reviewed[opportunity_id] = Reviewed(*shown)
    return reviewed, refused


def _print_candidate(candidate: ReviewCandidate) -> None:
    preview = candidate.draft.preview
    number = f"invoice #{candidate.ref_number}" if candidate.ref_number else "no invoice number"
    print(f"{candidate.id}  {candidate.name}  [{state_text(candidate)}]")
    print(
        f"    {number}, customer {preview.customer_name}, date {preview.transaction_date}, "
        f"subtotal {preview.subtotal}"
    )
    for line in preview.lines:
        print(f"    - {line.product}: {line.quantity} x {line.rate} = {line.amount}")
    for problem in candidate.draft.problems:
        print(f"    ! {problem.message}")
    if candidate.fingerprint is not None and candidate.decision is None:
        code = check_code(candidate.fingerprint)
        print(f"    approve this invoice: qbsf review approve {candidate.id}={code}")


def cmd_history(args: argparse.Namespace, ctx: AppContext) -> int:
    store = ctx.store
    if args.run is None:
        runs = store.runs()
        previews = [r for r in runs if r.dry_run]
        for run in (r for r in runs if not r.dry_run):
            print(f"#{run.id:<5} {run.started_at[:19]}  {run.status:<16} {run.trigger}  ", end="")
            print(_counted(store, run.id))
        if previews:
            # A preview writes nothing: listed apart, never counted as a sync.
            print(f"\nPreviews (nothing written, not syncs): {len(previews)}")
            for run in previews:
                counts = _counted(store, run.id) or "nothing"
                print(f"  preview #{run.id:<5} {run.started_at[:19]}  would be: {counts}")
        return ExitCode.OK
    chosen = store.get_run(args.run)
    if chosen is None:
        print(f"There is no run #{args.run}.", file=sys.stderr)
        return ExitCode.USAGE
    items = store.run_items(chosen.id)
    if args.csv:
        write_items_csv(args.csv, items)
        print(f"Wrote {len(items)} records to {args.csv}")
        return ExitCode.OK
    name = (
        f"Preview #{chosen.id} (nothing written)"
        if chosen.dry_run
        else f"Run #{chosen.id}: {chosen.status}"
    )
    print(f"{name}, started {chosen.started_at} by {chosen.os_user} ({chosen.trigger})")
    if chosen.message:
        print(f"  {chosen.message}")
    for item in items:
        ids = " ".join(
            x for x in (item.qb_id and f"QB {item.qb_id}", item.sf_id and f"SF {item.sf_id}") if x
        )
        reason = f": {item.message}" if item.message else ""
        print(f"  {item.workflow:<14} {item.outcome:<10} {item.record_key}  {ids}{reason}")
    return ExitCode.OK


def _counted(store: Store, run_id: int) -> str:
    return outcomes_text(store.outcome_counts(run_id))


def write_items_csv(path: Path, items: list) -> None:  # type: ignore[type-arg]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = SafeCsvWriter(handle)
        writer.writerow(
            ["workflow", "record", "outcome", "quickbooks_id", "salesforce_id", "code", "message"]
        )
        for item in items:
            writer.writerow(
                [
                    item.workflow,
                    item.record_key,
                    item.outcome,
                    item.qb_id or "",
                    item.sf_id or "",
                    item.code or "",
                    item.message or "",
                ]
            )


def _print_result(result: RunResult, out: TextIO) -> None:
    out.write(f"Run #{result.run_id}: {result.headline()}\n")
    for workflow, counts in result.summary().items():
        out.write(f"  {workflow:<14} {outcomes_text(counts)}\n")
    if result.error:
        out.write(
            f"\n{result.error.title}\n{result.error.what_happened}\n{result.error.what_to_do}\n"
        )
    if result.problems:
        out.write(f"\nSee the failed records with: qbsf history {result.run_id}\n")
