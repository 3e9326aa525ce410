"""Opening the engine for a command, and the problems every engine command reports the same way."""

from __future__ import annotations

import sys
from collections.abc import Callable

from app.commands.exit_codes import ExitCode
from app.context import AppContext
from app.domain.mapping_file import MappingFileError
from app.engine.connections import NotConnectedError
from app.engine.engine import SyncEngine
from app.engine.factory import open_engine
from app.engine.result import RunStatus
from app.platform.runlock import RunLockBusyError
from app.quickbooks import QuickBooksError
from app.salesforce.errors import SalesforceError

EXIT_FOR_STATUS = {
    RunStatus.SUCCEEDED: ExitCode.OK,
    RunStatus.PARTIAL: ExitCode.PARTIAL,
    RunStatus.NEEDS_ATTENTION: ExitCode.NEEDS_ATTENTION,
    RunStatus.STOPPED_LIMIT: ExitCode.STOPPED_LIMIT,
    RunStatus.CANCELLED: ExitCode.CANCELLED,
    RunStatus.FAILED: ExitCode.ERROR,
}


def open_cli_engine(ctx: AppContext) -> SyncEngine:
    from app.salesforce.oauth import KeyringRefresherFactory

    return open_engine(ctx, KeyringRefresherFactory(ctx.credentials))


def with_engine(ctx: AppContext, work: Callable[[SyncEngine], int]) -> int:
    """Runs `work` with the configured engine; known problems become a message and an exit code."""
    try:
        return int(work(open_cli_engine(ctx)))
    except NotConnectedError as exc:
        print(str(exc), file=sys.stderr)
        return ExitCode.NEEDS_ATTENTION
    except MappingFileError as exc:
        print(str(exc), file=sys.stderr)
        return ExitCode.ERROR
    except RunLockBusyError as exc:
        print(str(exc), file=sys.stderr)
        return ExitCode.BUSY
    except (QuickBooksError, SalesforceError) as exc:
        error = exc.user_error
        print(f"{error.title}\n{error.what_happened}\n{error.what_to_do}", file=sys.stderr)
        return ExitCode.NEEDS_ATTENTION
