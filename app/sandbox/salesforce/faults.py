"""Salesforce faults: what each injected fault kind does and what the client sees.

Every fault is a JSON object posted to `/__sandbox/faults` (or `SalesforceSandbox.add_fault`). The
fields every kind takes come from the shared base: `path` (regex searched in the request path),
`method`, `times` (matching requests it fires for; default 1, null = until cleared), `probability`,
`skip` (let this many matching requests pass first) and `after_commit`.

`{"kind": "expired_token"}`
    Every access token issued so far stops working at once. The request itself (if it is an API
    call) gets 401 `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`,
    and so does every later call with an old token, until the client refreshes. With
    `"refresh_too": true` refresh tokens end too, and a refresh gets 400
    `{"error":"invalid_grant","error_description":"expired access/refresh token"}`.
    On an OAuth endpoint the tokens expire and the request is then served normally.

`{"kind": "request_limit"}`
    403 `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`.
    For a limit that stays reached, set the config instead: `{"daily_limit": N}` refuses every call
    after the N-th of the day, and `{"api_usage": M}` says M calls are already used.

`{"kind": "row_lock", "ids": ["001..."], "method": "PATCH", "path": "composite", "times": 2}`
    The listed records (or, without `ids`, every record the request writes) are locked by another
    transaction while the request runs. sObject Collections report the locked records as
    `{"success":false,"errors":[{"statusCode":"UNABLE_TO_LOCK_ROW","message":"unable to obtain
    exclusive access to this record or 1 records: 001...","fields":[]}]}` and write the others;
    single-record calls answer 400 `[{"errorCode":"UNABLE_TO_LOCK_ROW",...}]`; a Bulk 2.0 job
    closed (PATCH UploadComplete) under the fault fails those rows with
    `UNABLE_TO_LOCK_ROW:unable to obtain ...: --`. A record counts as written when it is updated,
    deleted, or is the parent of a record being written. `times` counts matching requests, so aim
    the fault with `method` and `path`.

`{"kind": "server_unavailable"}`
    503 `[{"errorCode":"SERVER_UNAVAILABLE","message":"Server temporarily unavailable. Please try
    again later."}]`.

`{"kind": "server_error"}`
    500 `[{"errorCode":"UNKNOWN_EXCEPTION","message":"An unexpected error occurred. Please include
    this ErrorId if you contact support: 1985273650-41274 (-1270398712)"}]`.

`{"kind": "rate_limit", "retry_after": 2}`
    429 with `Retry-After: 2` (default 1) and
    `[{"errorCode":"TOO_MANY_REQUESTS","message":"Too many requests. Retry after 2 seconds."}]`.

`{"kind": "delay", "seconds": 1.5, "then_drop": false}` and `{"kind": "drop"}`
    Handled by the shared base: wait, or close the connection without an answer; with
    `"after_commit": true` the request is served (the write happens) before the delay or drop.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from app.sandbox._http import Fault, json_response
from app.sandbox.salesforce import ids
from app.sandbox.salesforce.errors import session_invalid
from app.sandbox.salesforce.writes import RowLock, no_lock

if TYPE_CHECKING:
    from app.sandbox.salesforce.service import SalesforceApp

ROW_LOCK_KEY = "sandbox.salesforce.row_lock"
KINDS = (
    "expired_token",
    "request_limit",
    "row_lock",
    "server_unavailable",
    "server_error",
    "rate_limit",
)


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response([{"errorCode": code, "message": message}], status, headers)


def fault_response(app: SalesforceApp, fault: Fault, request: Request) -> Response | None:
    params = fault.params
    if fault.kind == "expired_token":
        app.oauth.expire_access_tokens(refresh_too=bool(params.get("refresh_too", False)))
        if request.path.startswith("/services/data/"):
            return json_response(session_invalid().body(), 401)
        return app.dispatch(request)
    if fault.kind == "request_limit":
        return json_response(
            [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
            403,
        )
    if fault.kind == "row_lock":
        request.environ[ROW_LOCK_KEY] = _locker(params.get("ids"))
        return app.dispatch(request)
    if fault.kind == "server_unavailable":
        return _error(
            503, "SERVER_UNAVAILABLE", "Server temporarily unavailable. Please try again later."
        )
    if fault.kind == "server_error":
        return _error(
            500,
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred. Please include this ErrorId if you contact support: "
            "1985273650-41274 (-1270398712)",
        )
    if fault.kind == "rate_limit":
        seconds = int(params.get("retry_after", 1))
        return _error(
            429,
            "TOO_MANY_REQUESTS",
            f"Too many requests. Retry after {seconds} seconds.",
            {"Retry-After": str(seconds)},
        )
    return None


def _locker(raw_ids: Iterable[str] | None) -> RowLock:
    if raw_ids is None:
        return lambda record_ids: True
    locked = {ids.normalise(i) or i for i in raw_ids}

    def lock(record_ids: Iterable[str]) -> bool:
        return any((ids.normalise(i) or i) in locked for i in record_ids)

    return lock


def row_lock(request: Request) -> RowLock:
    """The lock a row_lock fault put on this request, or none."""
    return request.environ.get(ROW_LOCK_KEY, no_lock)
