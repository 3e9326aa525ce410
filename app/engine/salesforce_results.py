"""Reading per-record results of Collections calls and Bulk jobs into outcomes."""

from __future__ import annotations

from typing import Any

from app.domain.errors import from_salesforce
from app.domain.outcomes import Outcome

ROW_LOCK = "UNABLE_TO_LOCK_ROW"


def first_error(result: dict[str, Any]) -> tuple[str, str, list[str] | None]:
    errors = result.get("errors") or [{}]
    err = errors[0]
    return (
        str(err.get("statusCode") or err.get("errorCode") or "UNKNOWN"),
        str(err.get("message", "")),
        err.get("fields"),
    )


def failure_text(code: str, message: str, fields: list[str] | None) -> tuple[str, str]:
    """(plain message, technical details) for a per-record Salesforce error."""
    error = from_salesforce(code, message, fields, None)
    return f"{error.what_happened} {error.what_to_do}".strip(), error.details or message


def outcome_of(result: dict[str, Any]) -> Outcome:
    if not result.get("success"):
        return Outcome.FAILED
    return Outcome.CREATED if result.get("created") else Outcome.UPDATED
