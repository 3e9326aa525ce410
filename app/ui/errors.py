"""Any exception a background task raises, as the UserError the window shows."""

from __future__ import annotations

import logging
import traceback

from app.domain.errors import (
    ErrorAction,
    ErrorKind,
    UserError,
    UserFacingError,
    keyring_locked,
    keyring_missing,
    mapping_file_invalid,
    run_in_progress,
    unexpected,
)
from app.domain.mapping_file import MappingFileError
from app.engine.connections import NotConnectedError
from app.platform.credentials import CredentialError, KeyringLockedError, KeyringMissingError
from app.platform.runlock import RunLockBusyError
from app.quickbooks import QuickBooksError
from app.salesforce.errors import SalesforceError

log = logging.getLogger(__name__)


NOT_CONNECTED_CODE = "local.not_connected"


def not_connected(system: str, details: str = "") -> UserError:
    return UserError(
        code=f"{NOT_CONNECTED_CODE}.{system.lower()}",
        title=f"{system} is not connected",
        what_happened=f"This app has no working connection to {system} yet.",
        what_to_do=f"Open setup and connect {system}.",
        action=ErrorAction.OPEN_SETUP,
        kind=ErrorKind.CONFIGURATION,
        retryable=False,
        details=details,
    )


def user_error_for(exc: BaseException) -> UserError:
    if isinstance(exc, UserFacingError):
        return exc.error
    if isinstance(exc, QuickBooksError | SalesforceError):
        return exc.user_error
    if isinstance(exc, NotConnectedError):
        return not_connected(exc.system, str(exc))
    if isinstance(exc, RunLockBusyError):
        return run_in_progress(str(exc))
    if isinstance(exc, MappingFileError):
        return mapping_file_invalid(exc.source, exc.issues)
    if isinstance(exc, KeyringLockedError):
        return keyring_locked(exc.message)
    if isinstance(exc, KeyringMissingError):
        return keyring_missing(exc.message)
    if isinstance(exc, CredentialError):
        return keyring_locked(f"{exc.title}: {exc.message}")
    log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    return unexpected("".join(traceback.format_exception(exc)).strip())
