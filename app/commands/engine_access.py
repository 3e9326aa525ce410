"""Opening the engine for a command, and the one way every command reports a problem."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from app.commands.exit_codes import ExitCode
from app.context import AppContext
from app.domain.user_error import UserError
from app.engine.engine import SyncEngine
from app.engine.factory import open_engine
from app.engine.failures import Failure, Stop, failure_for
from app.engine.result import RunStatus

EXIT_FOR_STATUS = {
    RunStatus.SUCCEEDED: ExitCode.OK,
    RunStatus.PARTIAL: ExitCode.PARTIAL,
    RunStatus.NEEDS_ATTENTION: ExitCode.NEEDS_ATTENTION,
    RunStatus.STOPPED_LIMIT: ExitCode.STOPPED_LIMIT,
    RunStatus.CANCELLED: ExitCode.CANCELLED,
    RunStatus.FAILED: ExitCode.ERROR,
}


def exit_code_for(failure: Failure) -> ExitCode:
    if failure.stop is Stop.BUSY:
        return ExitCode.BUSY
    return EXIT_FOR_STATUS[failure.stop.run_status]


def print_error(error: UserError, out: TextIO | None = None) -> None:
    """The catalog's words: title, what happened, what to do, then the details if any."""
    lines = [error.title, error.what_happened, f"What to do: {error.what_to_do}"]
    if error.details:
        lines.append(f"Details: {error.details}")
    print("\n".join(lines), file=out or sys.stderr)


def report_failure(exc: BaseException) -> ExitCode:
    """Says what stopped the command, on stderr, and gives the exit code scripts rely on."""
    failure = failure_for(exc)
    if failure.stop is not Stop.CANCELLED:
        print_error(failure.error)
    return exit_code_for(failure)


def open_cli_engine(ctx: AppContext) -> SyncEngine:
    from app.salesforce.oauth import KeyringRefresherFactory

    return open_engine(ctx, KeyringRefresherFactory(ctx.credentials))


def with_engine(ctx: AppContext, work: Callable[[SyncEngine], int]) -> int:
    """Runs `work` with the configured engine; any problem, opening it included, becomes the
    catalog's message and its exit code."""
    try:
        return int(work(open_cli_engine(ctx)))
    except Exception as exc:
        return report_failure(exc)
