"""`sandbox`: run the built-in Conductor and Salesforce emulators in the foreground."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from app.commands.exit_codes import ExitCode
from app.context import AppContext


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "sandbox",
        help="run the built-in QuickBooks (Conductor) and Salesforce sandboxes",
        description="Starts both sandboxes with a sample company and prints one JSON line with "
        "what a client needs (URLs, keys, a ready Salesforce token, the CA bundle, the admin "
        "token). Runs until interrupted.",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--conductor-port", type=int, default=0)
    parser.add_argument("--salesforce-port", type=int, default=0)
    parser.add_argument(
        "--login-port", type=int, help="also serve Salesforce sign-in over plain HTTP here"
    )
    parser.add_argument("--customers", type=int, default=40)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--invoices", type=int, default=300)
    parser.add_argument("--payments", type=int, default=150)
    parser.add_argument("--opportunities", type=int, default=12)
    parser.add_argument(
        "--state-dir", type=Path, help="keep the sandboxes' data here across restarts"
    )
    parser.add_argument("--admin-token", help="the X-Sandbox-Admin-Token to accept")
    parser.add_argument(
        "--no-strict",
        action="store_true",
        help="skip validating every QuickBooks answer against Conductor's spec (for benchmarks)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: AppContext) -> int:
    from app.sandbox.launcher import SandboxSize, info_line, start_sandboxes

    size = SandboxSize(
        customers=args.customers,
        items=args.items,
        invoices=args.invoices,
        payments=args.payments,
        opportunities=args.opportunities,
    )
    sandboxes = start_sandboxes(
        seed=args.seed,
        size=size,
        state_dir=args.state_dir,
        conductor_port=args.conductor_port,
        salesforce_port=args.salesforce_port,
        login_port=args.login_port,
        admin_token=args.admin_token,
        strict=not args.no_strict,
    )
    print(info_line(sandboxes), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandboxes.stop()
        print("Sandboxes stopped.", file=sys.stderr)
    return ExitCode.OK
