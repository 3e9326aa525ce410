"""`update`: look for a signed new version (`--check`), or download it and install it on exit."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from app import APP_ID
from app.commands.exit_codes import ExitCode
from app.context import AppContext
from app.engine.connections import trust_store
from app.platform.instance_lock import instance_lock, instance_name
from app.store.settings import UPDATE_SERVER_URL
from app.update.apply import Waiting, install_staged
from app.update.client import Offer, UpdateClient
from app.update.errors import Problem, UpdateError
from app.update.folders import UpdateFolders
from app.update.installation import Installation, current_installation
from app.update.launcher import start_installer
from app.update.outcome import State, news_at_start

EXIT_FOR_PROBLEM = {
    Problem.REFUSED: ExitCode.UPDATE_REFUSED,
    Problem.UNREACHABLE: ExitCode.ERROR,
    Problem.NOT_AVAILABLE: ExitCode.ERROR,
    Problem.FAILED: ExitCode.ERROR,
}


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "update",
        help="look for a new version, or download it and install it when this command ends",
        description="Updates come signed from the update server (Settings > Updates) and are "
        "verified against the key this copy was built with. Without --check the new version "
        "is downloaded, verified and installed once this command has ended and no sync runs; "
        "a running tray app is closed and started again.",
    )
    parser.add_argument(
        "--check", action="store_true", help="only say whether a new version is available"
    )
    hidden = argparse.SUPPRESS
    parser.add_argument("--install-staged", action="store_true", help=hidden)
    parser.add_argument("--install-dir", help=hidden)
    parser.add_argument("--wait-pid", type=int, help=hidden)
    parser.add_argument("--restart", action="store_true", help=hidden)
    parser.add_argument("--poll-seconds", type=float, default=Waiting.poll_s, help=hidden)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: AppContext) -> int:
    folders = UpdateFolders.in_data_dir(ctx.paths.data_dir)
    if args.install_staged:
        return _install(args, ctx, folders)
    installation = current_installation()
    if installation is None:
        print(
            "This copy runs from a source checkout: it is updated with git, not by `update`.",
            file=sys.stderr,
        )
        return ExitCode.ERROR
    news = news_at_start(folders, installation)
    if news:
        print(news)
    server = ctx.store.get(UPDATE_SERVER_URL) or installation.default_server
    client = UpdateClient(installation, folders, server, verify=trust_store(ctx.paths.data_dir))
    try:
        if args.check:
            return _report(client.check(), installation)
        return _download_and_install(client, ctx, installation, folders)
    except UpdateError as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_FOR_PROBLEM[exc.problem]


def _report(offer: Offer | None, installation: Installation) -> int:
    if offer is None:
        print(f"Up to date: version {installation.version} is the newest.")
        return ExitCode.OK
    print(f"Version {offer.version} is available (this is {offer.installed}); {_size(offer.size)}.")
    if offer.notes:
        print(f"What's new:\n{offer.notes}")
    return ExitCode.UPDATE_AVAILABLE


def _download_and_install(
    client: UpdateClient, ctx: AppContext, installation: Installation, folders: UpdateFolders
) -> int:
    staged = client.download(_progress_printer())
    if staged is None:
        print(f"Up to date: version {installation.version} is the newest.")
        return ExitCode.OK
    tray_was_running = _close_tray(ctx)
    start_installer(ctx.paths.data_dir, installation, folders, restart=tray_was_running)
    print(
        f"Version {staged.version} is downloaded and verified. It is installed as soon as this "
        "command has ended and no sync is running"
        + ("; the tray app starts again after it." if tray_was_running else ".")
    )
    return ExitCode.OK


def _install(args: argparse.Namespace, ctx: AppContext, folders: UpdateFolders) -> int:
    """The installer process started by `start_installer`."""
    if not args.install_dir:
        print("--install-staged needs --install-dir", file=sys.stderr)
        return ExitCode.USAGE
    installation = Installation.of_folder(Path(args.install_dir))
    outcome = install_staged(
        installation,
        folders,
        ctx.paths.run_lock,
        wait_pid=args.wait_pid,
        restart=args.restart,
        waiting=Waiting(poll_s=args.poll_seconds),
    )
    if outcome is None or outcome.state is State.INSTALLED:
        return ExitCode.OK
    return ExitCode.BUSY if outcome.state is State.POSTPONED else ExitCode.ERROR


def _close_tray(ctx: AppContext) -> bool:
    """A running tray app holds its files; it is asked to finish and close. True if it ran."""
    from app.commands.tray import quit_running_app

    lock = instance_lock(instance_name(APP_ID, str(ctx.paths.data_dir)))
    if lock.acquire():
        lock.release()
        return False
    return quit_running_app(ctx) == ExitCode.OK


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB to download" if size >= 100_000 else f"{size:,} bytes"


def _progress_printer() -> Callable[[int, int], None]:
    shown = {"step": -1}

    def progress(done: int, expected: int) -> None:
        step = 100 * done // expected // 10 if expected else 10
        if step != shown["step"] and sys.stderr.isatty():
            shown["step"] = step
            print(f"\rDownloading: {step * 10}%", end="", file=sys.stderr, flush=True)

    return progress
