"""Salesforce's two error shapes: a failed request and a failed record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ApiError(Exception):
    """The whole request fails: `[{"message", "errorCode"[, "fields"]}]` with an HTTP status."""

    def __init__(
        self, status: int, code: str, message: str, fields: Sequence[str] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = list(fields) if fields is not None else None

    def body(self) -> list[dict[str, Any]]:
        entry: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            entry["fields"] = self.fields
        return [entry]


class RecordError(Exception):
    """One record cannot be written; how it is reported depends on the API that wrote it."""

    #: Codes that make a single-record call answer 404 rather than 400.
    NOT_FOUND_CODES = frozenset({"NOT_FOUND", "ENTITY_IS_DELETED"})

    def __init__(self, code: str, message: str, fields: Sequence[str] = ()) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.fields = list(fields)

    def for_collections(self) -> dict[str, Any]:
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}

    def for_bulk(self) -> str:
        return f"{self.code}:{self.message}:{','.join(self.fields)} --"

    def as_api_error(self) -> ApiError:
        status = 404 if self.code in self.NOT_FOUND_CODES else 400
        return ApiError(status, self.code, self.message, self.fields)


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def session_invalid() -> ApiError:
    return ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
