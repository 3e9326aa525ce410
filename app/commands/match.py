"""`match`: accounts and customers that may be one company, waiting for the bookkeeper, and
fields QuickBooks and Salesforce hold differently (conflicts)."""

from __future__ import annotations

import argparse
import sys

from app.commands.engine_access import with_engine
from app.commands.exit_codes import ExitCode
from app.context import AppContext
from app.engine.engine import SyncEngine
from app.engine.match_decisions import Decision, Keep, NameChoiceNeededError, values_text
from app.engine.wording import count_of

SIDES = [k.value for k in Keep]


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "match",
        help="matches to confirm and conflicts: list, confirm, reject, resolve",
        description=(
            "A sync links an account and a QuickBooks customer by itself only when they have the "
            "same name, unique on both sides, and no differing email. Weaker look-alikes wait "
            "here, and so do fields changed in QuickBooks since the app wrote them."
        ),
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="matches waiting to be confirmed").set_defaults(
        handler=cmd_list
    )
    confirm = actions.add_parser("confirm", help="link a proposed pair")
    confirm.add_argument("id", type=int, help="the match number from 'match list'")
    confirm.add_argument(
        "--keep-name", choices=SIDES, help="when the names differ: whose name both sides keep"
    )
    confirm.set_defaults(handler=cmd_confirm)
    reject = actions.add_parser("reject", help="the two are different companies")
    reject.add_argument("id", type=int, help="the match number from 'match list'")
    reject.set_defaults(handler=cmd_reject)
    actions.add_parser("conflicts", help="fields the two systems hold differently").set_defaults(
        handler=cmd_conflicts
    )
    resolve = actions.add_parser("resolve", help="choose which value of a conflict to keep")
    resolve.add_argument("id", type=int, help="the conflict number from 'match conflicts'")
    resolve.add_argument("--keep", choices=SIDES, required=True, help="the side whose value wins")
    resolve.set_defaults(handler=cmd_resolve)


def cmd_list(args: argparse.Namespace, ctx: AppContext) -> int:
    matches = ctx.store.open_matches()
    if not matches:
        print("No matches wait to be confirmed.")
    for m in matches:
        print(
            f"#{m.id}  Salesforce: {m.account_name}  |  QuickBooks: {m.customer_name}  ({m.reason})"
        )
    conflicts = len(ctx.store.open_conflicts())
    if conflicts:
        waits = "waits" if conflicts == 1 else "wait"
        print(f"{count_of(conflicts, 'conflict')} {waits} as well: qbsf match conflicts")
    return ExitCode.OK


def cmd_conflicts(args: argparse.Namespace, ctx: AppContext) -> int:
    conflicts = ctx.store.open_conflicts()
    if not conflicts:
        print("No conflicts.")
    for c in conflicts:
        qb = values_text(c.quickbooks).replace("\n", ", ")
        sf = values_text(c.salesforce).replace("\n", ", ")
        print(f"#{c.id}  {c.record}, {c.field}:  QuickBooks '{qb}'  |  Salesforce '{sf}'")
    return ExitCode.OK


def cmd_confirm(args: argparse.Namespace, ctx: AppContext) -> int:
    keep = Keep(args.keep_name) if args.keep_name else None

    def work(engine: SyncEngine) -> int:
        try:
            return _said(engine.confirm_match(args.id, keep))
        except NameChoiceNeededError as asked:
            print(
                f"The names differ.\n  Salesforce: {asked.account_name}\n"
                f"  QuickBooks: {asked.customer_name}\nWhich name should both keep? Run again "
                f"with --keep-name quickbooks or --keep-name salesforce.",
                file=sys.stderr,
            )
            return ExitCode.USAGE

    return with_engine(ctx, work)


def cmd_reject(args: argparse.Namespace, ctx: AppContext) -> int:
    return with_engine(ctx, lambda engine: _said(engine.reject_match(args.id)))


def cmd_resolve(args: argparse.Namespace, ctx: AppContext) -> int:
    keep = Keep(args.keep)
    return with_engine(ctx, lambda engine: _said(engine.resolve_conflict(args.id, keep)))


def _said(decision: Decision) -> int:
    print(decision.message, file=sys.stdout if decision.done else sys.stderr)
    return ExitCode.OK if decision.done else ExitCode.ERROR
