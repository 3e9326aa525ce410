"""Reading per-record results of Collections calls and Bulk jobs into outcomes."""

from __future__ import annotations

from typing import Any

from app.domain.errors import ErrorKind, from_salesforce
from app.domain.outcomes import Outcome
from app.domain.salesforce_errors import duplicate_matches

ROW_LOCK = "UNABLE_TO_LOCK_ROW"


def first_error(result: dict[str, Any]) -> tuple[str, str, list[str] | None]:
    """(code, message, fields) of a record's first error; a duplicate rule's message names the
    records it matched."""
    errors = result.get("errors") or [{}]
    err = errors[0]
    return (
        str(err.get("statusCode") or err.get("errorCode") or "UNKNOWN"),
        duplicate_matches(err) or str(err.get("message", "")),
        err.get("fields"),
    )


def failure_text(code: str, message: str, fields: list[str] | None) -> tuple[str, str]:
    """(plain message, technical details) for a per-record Salesforce error."""
    error = from_salesforce(code, message, fields, None)
    return f"{error.what_happened} {error.what_to_do}".strip(), error.details or message


def read_again(code: str, message: str) -> bool:
    """A passing failure (a row lock, an outage) that holds the cursor so the next read brings
    the record again. A record that cannot be linked (its account missing) does not: it is
    reported, the cursor moves past it, and every later sync retries it as an outstanding
    failure, so one record never holds back the ones after it."""
    return code == ROW_LOCK or from_salesforce(code, message).kind is ErrorKind.TRANSIENT


def outcome_of(result: dict[str, Any]) -> Outcome:
    if not result.get("success"):
        return Outcome.FAILED
    return Outcome.CREATED if result.get("created") else Outcome.UPDATED
