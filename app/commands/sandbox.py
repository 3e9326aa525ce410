"""`sandbox`: run the built-in Conductor and Salesforce emulators in the foreground."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import Any

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
        "--only",
        choices=("conductor", "salesforce"),
        help="start one sandbox (its half of the JSON line), e.g. each in a process of its own",
    )
    parser.add_argument(
        "--no-strict",
        action="store_true",
        help="skip validating every QuickBooks answer against Conductor's spec (for benchmarks)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: AppContext) -> int:
    from app.sandbox.launcher import (
        SandboxSize,
        conductor_info,
        salesforce_info,
        start_conductor,
        start_salesforce,
    )

    size = SandboxSize(
        customers=args.customers,
        items=args.items,
        invoices=args.invoices,
        payments=args.payments,
        opportunities=args.opportunities,
    )
    started: list[Any] = []
    info: dict[str, Any] = {}
    try:
        if args.only in {None, "conductor"}:
            conductor = start_conductor(
                seed=args.seed,
                size=size,
                state_dir=args.state_dir,
                port=args.conductor_port,
                admin_token=args.admin_token,
                strict=not args.no_strict,
            )
            started.append(conductor)
            info.update(conductor_info(conductor))
        if args.only in {None, "salesforce"}:
            salesforce = start_salesforce(
                seed=args.seed,
                size=size,
                state_dir=args.state_dir,
                port=args.salesforce_port,
                login_port=args.login_port,
                admin_token=args.admin_token,
            )
            started.append(salesforce)
            info.update(salesforce_info(salesforce))
        print(json.dumps(info, separators=(",", ":")), flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        for sandbox in reversed(started):
            sandbox.stop()
        print("Sandboxes stopped.", file=sys.stderr)
    return ExitCode.OK
