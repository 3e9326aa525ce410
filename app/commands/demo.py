"""`demo`: the whole app against the built-in sandboxes, in a throwaway folder.

With a display it opens the tray app and its setup wizard, filled in with the sandboxes' keys;
the Salesforce sign-in opens the sandbox's own sign-in page in the browser. With no display (or
`--headless`) it runs a full sync in the terminal and prints what it did.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import keyring

from app.commands.engine_access import EXIT_FOR_STATUS
from app.commands.exit_codes import ExitCode
from app.context import AppContext
from app.engine.result import RunResult
from app.engine.standing import standing
from app.engine.wording import outcomes_text
from app.platform.memory_keyring import MemoryKeyring
from app.store.settings import GO_LIVE_DATE

if TYPE_CHECKING:
    from app.sandbox.launcher import Sandboxes


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "demo",
        help="try the app against built-in sandboxes of QuickBooks and Salesforce",
        description="Starts sandboxes of Conductor (QuickBooks) and Salesforce with a sample "
        "company, in a throwaway folder, and opens the app against them. Without a display (or "
        "with --headless) it runs one full sync in the terminal instead.",
    )
    parser.add_argument(
        "--headless", action="store_true", help="sync in the terminal; open no window"
    )
    parser.add_argument("--seed", type=int, default=7, help="sample data seed (default 7)")
    parser.add_argument(
        "--keep",
        metavar="DIR",
        type=Path,
        help="keep the demo's data in DIR instead of a temp dir; a kept DIR carries on next time",
    )
    parser.set_defaults(handler=run)


def has_display() -> bool:
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Demo:
    ctx: AppContext
    sandboxes: Sandboxes
    sign_in_port: int
    #: The demo's own folder: the app's data in `app`, the sandboxes' in `sandboxes`.
    folder: Path
    kept: bool


#: A go-live date before every won opportunity of the sample org.
DEMO_GO_LIVE = "2025-01-01"


@contextlib.contextmanager
def demo_environment(seed: int, keep: Path | None) -> Iterator[Demo]:
    """Sandboxes, a data folder of its own and an in-memory keyring, all gone afterwards."""
    from app.sandbox.launcher import start_sandboxes

    folder = keep or Path(tempfile.mkdtemp(prefix="qbsf-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    previous_keyring = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    saved_ca = os.environ.get("QBSF_CA_BUNDLE")
    state = folder / "sandboxes" if keep else None
    sandboxes = start_sandboxes(seed=seed, login_port=0, state_dir=state)
    ctx = AppContext.create(folder / "app", console_level=None)
    try:
        sign_in_port = free_port()
        sandboxes.salesforce.set_config(
            redirect_uris=[f"http://localhost:{sign_in_port}/OauthRedirect"]
        )
        # The sandbox signs its HTTPS with a test CA; the app trusts it through this variable.
        os.environ["QBSF_CA_BUNDLE"] = sandboxes.info()["ca_bundle"]
        # The sample company went live before its won deals, so they wait for review.
        if not ctx.store.is_set(GO_LIVE_DATE):
            ctx.store.set(GO_LIVE_DATE, DEMO_GO_LIVE)
        yield Demo(ctx, sandboxes, sign_in_port, folder, keep is not None)
    finally:
        ctx.close()
        sandboxes.stop()
        keyring.set_keyring(previous_keyring)
        if saved_ca is None:
            os.environ.pop("QBSF_CA_BUNDLE", None)
        else:
            os.environ["QBSF_CA_BUNDLE"] = saved_ca
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def run(args: argparse.Namespace, ctx: AppContext) -> int:
    headless = args.headless or not has_display()
    print("Starting the QuickBooks and Salesforce sandboxes…", file=sys.stderr, flush=True)
    with demo_environment(args.seed, args.keep) as demo:
        if headless:
            return headless_sync(demo, sys.stdout)
        return open_tray(demo)


def headless_sync(demo: Demo, out: TextIO) -> int:
    from app.commands.progress import TerminalProgress
    from app.engine.factory import open_engine

    environment = demo.sandboxes.environment()
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        engine = open_engine(demo.ctx)
        out.write("Syncing the sample company (QuickBooks) with the sample org (Salesforce)…\n")
        out.flush()
        with TerminalProgress() as progress:
            result = engine.run(trigger="demo", progress=progress)
        write_summary(result, out)
        now = standing(demo.ctx.store)
        out.write(f"\nIn step:     {now.line}\n")
        if now.fix is not None:
            out.write(f"What to do:  {now.fix_command}\n")
        waiting = [c for c in engine.review_queue() if c.decision is None]
        if waiting:
            out.write(
                f"\n{len(waiting)} won opportunities wait for approval before they become "
                "QuickBooks invoices (the tray app's Review invoices to create; `review list` "
                "in the terminal).\n"
            )
        if now.fix is not None or waiting:
            out.write(f"\n{commands_on_demo_data(demo)}\n")
        out.write(
            "\nThis was a demo against built-in sandboxes; nothing outside this computer was "
            "touched. With a display, `python -m app demo` opens the app itself.\n"
        )
        return EXIT_FOR_STATUS[result.status]
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def commands_on_demo_data(demo: Demo) -> str:
    """How the commands above reach this demo's data and sandboxes once it has ended."""
    if not demo.kept:
        return (
            "This demo's folder goes when it ends. Run it with `--keep DIR` to use those "
            "commands on its data afterwards."
        )
    return (
        f"Those commands act on this demo with `--data-dir {demo.folder / 'app'}` while "
        f"`python -m app sandbox --state-dir {demo.folder / 'sandboxes'}` serves its sandboxes, "
        "with the QBSF_ variables set to the keys it prints (README, Using it)."
    )


def write_summary(result: RunResult, out: TextIO) -> None:
    from app.domain.workflows import workflow

    out.write(f"\n{result.headline()}\n")
    for workflow_id, counts in result.summary().items():
        parts = outcomes_text(counts)
        out.write(f"  {workflow(workflow_id).title:<32} {parts or 'nothing to do'}\n")
    if result.error is not None:
        out.write(f"\n{result.error.title}\n{result.error.what_happened}\n")
        out.write(f"{result.error.what_to_do}\n")


def open_tray(demo: Demo) -> int:
    from app.sandbox.fault_switch import SandboxFaultSwitch
    from app.store.settings import SALESFORCE_SIGN_IN_PORT
    from app.ui.application import run_tray
    from app.ui.wizard.defaults import SetupDefaults

    demo.ctx.store.set(SALESFORCE_SIGN_IN_PORT, demo.sign_in_port)
    info = demo.sandboxes.info()
    defaults = SetupDefaults.from_sandboxes(info, demo.sign_in_port)
    print(
        "Demo running. The setup wizard is filled in with the sandboxes' keys; the Salesforce "
        "sign-in page comes filled in too: click Allow. The tray menu's Simulate a problem shows "
        "every alert and how the app recovers. Quit from the tray menu.",
        file=sys.stderr,
    )
    code = run_tray(
        demo.ctx,
        defaults=defaults,
        instance_scope=f"demo-{os.getpid()}",
        faults=SandboxFaultSwitch(demo.sandboxes),
    )
    return ExitCode.OK if code == 0 else ExitCode.ERROR
