"""Conductor's exceptions, translated once into what the engine and the user need to know."""

from __future__ import annotations

from typing import Any

import conductor

from app.domain.errors import UserError, from_conductor, no_network


class QuickBooksError(Exception):
    """A failed QuickBooks call.

    `connection_problem`: only the person at the QuickBooks PC can fix it (dialog open, QB closed).
    `outcome_unknown`: a write whose result never arrived; it may have happened.
    """

    def __init__(
        self,
        user_error: UserError,
        *,
        http_status: int | None = None,
        code: str | None = None,
        integration_code: str | None = None,
        error_type: str | None = None,
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(user_error.title)
        self.user_error = user_error
        self.http_status = http_status
        self.code = code
        self.integration_code = integration_code
        self.error_type = error_type
        self.outcome_unknown = outcome_unknown

    @property
    def connection_problem(self) -> bool:
        return self.error_type == "INTEGRATION_CONNECTION_ERROR" or self.code in {
            "INTEGRATION_CONNECTION_NOT_SET_UP",
            "INTEGRATION_CONNECTION_NOT_ACTIVE",
            "QBD_CONNECTION_ERROR",
        }

    @property
    def transient(self) -> bool:
        if self.outcome_unknown or self.http_status is None:
            return True
        return self.http_status in {408, 429, 500, 502, 503, 504} and not self.connection_problem


def translate(exc: conductor.APIError, *, write: bool = False) -> QuickBooksError:
    if isinstance(exc, conductor.APIConnectionError):
        # A write whose connection broke may still have been committed in QuickBooks.
        return QuickBooksError(
            no_network("QuickBooks (Conductor)", str(exc)), outcome_unknown=write
        )
    status = getattr(exc, "status_code", None)
    body: Any = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    if not error:
        error = {"message": exc.message, "type": "INTERNAL_ERROR", "httpStatusCode": status}
    # A 5xx on a write can mean QuickBooks saved it and the reply was lost.
    unknown = write and status is not None and status >= 500 and status != 502
    return QuickBooksError(
        from_conductor({"error": error}, status or 0),
        http_status=status,
        code=error.get("code"),
        integration_code=error.get("integrationCode"),
        error_type=error.get("type"),
        outcome_unknown=unknown,
    )
