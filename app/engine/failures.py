"""Any exception, as the catalog's UserError and how the work it stopped ends.

The one translation of failures: the engine's runs, the command line and the tray all ask here,
so a problem reads the same and ends the same wherever it is met (opening the engine included).
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from dataclasses import dataclass
from enum import StrEnum

from app.domain.errors import (
    ErrorKind,
    UserError,
    UserFacingError,
    database_locked,
    database_unreadable,
    database_unusable,
    disk_full,
    keyring_locked,
    keyring_missing,
    mapping_file_invalid,
    run_cancelled,
    run_in_progress,
    setting_damaged,
    unexpected,
)
from app.domain.mapping_file import MappingFileError
from app.engine.connections import NotConnectedError
from app.engine.context import ApiReserveReachedError
from app.engine.events import CancelledError
from app.engine.result import RunStatus
from app.platform.credentials import CredentialError, KeyringMissingError
from app.platform.runlock import RunLockBusyError
from app.quickbooks import QuickBooksError
from app.salesforce.errors import SalesforceError
from app.store import (
    DamagedSettingError,
    DatabaseBusyError,
    DatabaseError,
    DatabaseFullError,
    DatabaseUnreadableError,
)

log = logging.getLogger(__name__)

_SQLITE_BUSY = ("SQLITE_BUSY", "SQLITE_LOCKED")
_SQLITE_FULL = "SQLITE_FULL"


class Stop(StrEnum):
    """How work an exception stopped ends; a run records it as its RunStatus."""

    NEEDS_ATTENTION = RunStatus.NEEDS_ATTENTION.value  # a person must fix a connection or sign-in
    STOPPED_LIMIT = RunStatus.STOPPED_LIMIT.value
    CANCELLED = RunStatus.CANCELLED.value
    FAILED = RunStatus.FAILED.value
    BUSY = "busy"  # another run holds the lock, so this one never started

    @property
    def run_status(self) -> RunStatus:
        return RunStatus.FAILED if self is Stop.BUSY else RunStatus(self.value)


@dataclass(frozen=True)
class Failure:
    error: UserError
    stop: Stop

    @property
    def run_error(self) -> UserError | None:
        """What a run records: nothing for a cancelled run, which the person asked for."""
        return None if self.stop is Stop.CANCELLED else self.error


def failure_for(exc: BaseException) -> Failure:
    """The catalog entry and the ending for `exc`; an unknown one is logged with its traceback."""
    if isinstance(exc, CancelledError | KeyboardInterrupt):
        return Failure(run_cancelled(), Stop.CANCELLED)
    if isinstance(exc, ApiReserveReachedError):
        return Failure(exc.error, Stop.STOPPED_LIMIT)
    if isinstance(exc, RunLockBusyError):
        return Failure(run_in_progress(str(exc)), Stop.BUSY)
    if isinstance(exc, QuickBooksError):
        return Failure(exc.user_error, _needs_attention_if(exc.connection_problem))
    if isinstance(exc, SalesforceError):
        return Failure(exc.user_error, _salesforce_stop(exc))
    if isinstance(exc, NotConnectedError):
        return Failure(exc.error, Stop.NEEDS_ATTENTION)
    if isinstance(exc, UserFacingError):  # the Salesforce sign-in, the network, the sign-in port
        return Failure(exc.error, _stop_for_kind(exc.error))
    if isinstance(exc, MappingFileError):
        return Failure(mapping_file_invalid(exc.source, exc.issues), Stop.FAILED)
    if isinstance(exc, CredentialError):
        return Failure(_keyring_problem(exc), Stop.FAILED)
    if isinstance(exc, DatabaseError):
        return Failure(_database_problem(exc), Stop.FAILED)
    local = _local_problem(exc)
    if local is not None:
        return Failure(local, Stop.FAILED)
    log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    return Failure(unexpected(f"{type(exc).__name__}: {exc}"), Stop.FAILED)


def _needs_attention_if(condition: bool) -> Stop:
    return Stop.NEEDS_ATTENTION if condition else Stop.FAILED


def _salesforce_stop(exc: SalesforceError) -> Stop:
    if exc.limit_reached:
        return Stop.STOPPED_LIMIT
    return _needs_attention_if(exc.code == "INVALID_SESSION_ID" or exc.http_status == 401)


def _stop_for_kind(error: UserError) -> Stop:
    return _needs_attention_if(error.kind in {ErrorKind.CONFIGURATION, ErrorKind.CONNECTION})


def _keyring_problem(exc: CredentialError) -> UserError:
    if isinstance(exc, KeyringMissingError):
        return keyring_missing(str(exc))
    return keyring_locked(str(exc))


def _database_problem(exc: DatabaseError) -> UserError:
    if isinstance(exc, DatabaseFullError):
        return disk_full(str(exc.path.parent), str(exc))
    if isinstance(exc, DatabaseBusyError):
        return database_locked(str(exc))
    if isinstance(exc, DatabaseUnreadableError):
        return database_unreadable(str(exc.moved_to), str(exc))
    if isinstance(exc, DamagedSettingError):
        return setting_damaged(exc.key, str(exc))
    return database_unusable(str(exc))


def _local_problem(exc: BaseException) -> UserError | None:
    """A busy or full disk met outside the store's own translation (a read, a file write)."""
    if isinstance(exc, sqlite3.Error):
        name = getattr(exc, "sqlite_errorname", None) or ""
        if name.startswith(_SQLITE_BUSY):
            return database_locked(f"{type(exc).__name__}: {exc}")
        if name.startswith(_SQLITE_FULL):
            return disk_full(details=f"{type(exc).__name__}: {exc}")
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return disk_full(exc.filename or "", f"{type(exc).__name__}: {exc}")
    return None
