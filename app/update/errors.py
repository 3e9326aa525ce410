"""What can go wrong with an update, in plain words; every message says nothing was changed."""

from __future__ import annotations

from enum import StrEnum

import requests
from tuf.api import exceptions as tuf_errors

UNCHANGED = "Nothing was changed: the installed version keeps working."


class Problem(StrEnum):
    #: The server's answer failed verification: an attack or a broken repository.
    REFUSED = "refused"
    #: The server could not be reached or had no repository at that address.
    UNREACHABLE = "unreachable"
    #: This copy cannot update itself (no update key, no server address, run from source).
    NOT_AVAILABLE = "not_available"
    #: The download or the installation could not be finished here.
    FAILED = "failed"


class UpdateError(Exception):
    def __init__(self, problem: Problem, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.message = message


def refused(message: str) -> UpdateError:
    return UpdateError(Problem.REFUSED, f"{message} {UNCHANGED}")


def plain_error(exc: BaseException, server: str) -> UpdateError:
    """The plain message for what python-tuf, tufup or the network raised."""
    if isinstance(exc, UpdateError):
        return exc
    if isinstance(exc, tuf_errors.ExpiredMetadataError):
        return refused(
            "The update server's signed information has expired, so it may be stale or held "
            "back on purpose; the update was refused. The publisher must sign it again."
        )
    if isinstance(exc, tuf_errors.BadVersionNumberError):
        return refused(
            "The update server offered older information than this PC has already seen (an "
            "older version offered as newer), so it was refused."
        )
    if isinstance(exc, tuf_errors.UnsignedMetadataError):
        return refused(
            "The update server's information is not signed by the publisher's keys (it was "
            "changed or damaged on the way), so it was refused."
        )
    if isinstance(exc, tuf_errors.LengthOrHashMismatchError):
        return refused(
            "A downloaded file does not match what the publisher signed (it was changed or "
            "damaged on the way), so it was refused and deleted."
        )
    if isinstance(exc, tuf_errors.RepositoryError):
        return refused(f"The update server's information could not be verified ({exc}).")
    if isinstance(exc, tuf_errors.DownloadHTTPError) and exc.status_code == 404:
        return UpdateError(
            Problem.UNREACHABLE,
            f"There is no update repository at {server}. Check the update server address in "
            f"Settings. {UNCHANGED}",
        )
    if isinstance(exc, tuf_errors.DownloadError | requests.RequestException):
        return UpdateError(
            Problem.UNREACHABLE,
            f"Could not reach the update server at {server} ({type(exc).__name__}). Check the "
            f"network and try again later. {UNCHANGED}",
        )
    return UpdateError(Problem.FAILED, f"The update could not be finished: {exc}. {UNCHANGED}")
