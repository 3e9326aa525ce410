"""Conductor (QuickBooks) errors as UserErrors, by `type`, `code` and `integrationCode`.

Conductor writes a `userFacingMessage` for the end user; when present it becomes what_happened
(its first sentence) and what_to_do (the rest), unless it is Conductor's masked generic text,
which says less than the catalog entry does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.user_error import ErrorAction, ErrorKind, UserError

MASKED_MESSAGE = "An internal server error occurred. Please try again."

_A = ErrorAction
_K = ErrorKind
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


@dataclass(frozen=True)
class _Entry:
    title: str
    what_happened: str
    what_to_do: str
    action: ErrorAction
    kind: ErrorKind
    retryable: bool


_AT_QUICKBOOKS = "On the computer that runs QuickBooks"

_CONNECTION = _Entry(
    "QuickBooks is not reachable",
    "The app could not reach QuickBooks Desktop on the QuickBooks computer.",
    f"{_AT_QUICKBOOKS}: make sure QuickBooks is open with the right company file, close any "
    "pop-up messages in QuickBooks, and check that QuickBooks Web Connector is running. "
    "Then try again.",
    _A.OPEN_QUICKBOOKS_HELP,
    _K.CONNECTION,
    True,
)

_BY_CODE: dict[str, _Entry] = {
    "QBD_CONNECTION_ERROR": _CONNECTION,
    "INTEGRATION_CONNECTION_NOT_SET_UP": _Entry(
        "QuickBooks connection not finished",
        "The connection to QuickBooks was started but never completed on the QuickBooks computer.",
        "Open setup and follow the QuickBooks step on the computer that runs QuickBooks.",
        _A.OPEN_SETUP,
        _K.CONFIGURATION,
        False,
    ),
    "INTEGRATION_CONNECTION_NOT_ACTIVE": _Entry(
        "QuickBooks Web Connector is not connected",
        "QuickBooks Web Connector on the QuickBooks computer is not running or not connected.",
        f"{_AT_QUICKBOOKS}: open QuickBooks Web Connector, make sure this app's line is ticked "
        "and running, then try again.",
        _A.OPEN_QUICKBOOKS_HELP,
        _K.CONNECTION,
        True,
    ),
    "QBD_REQUEST_TIMEOUT": _Entry(
        "QuickBooks did not answer in time",
        "QuickBooks took too long to answer. It may be busy, or waiting for someone to close a "
        "message window.",
        f"{_AT_QUICKBOOKS}: close any pop-up messages in QuickBooks, then try again.",
        _A.RETRY,
        _K.CONNECTION,
        True,
    ),
    "API_KEY_INVALID": _Entry(
        "Conductor key not accepted",
        "The Conductor secret key saved in this app was not accepted. It may have been deleted "
        "or replaced.",
        "Open setup and enter a current secret key from your Conductor dashboard.",
        _A.OPEN_SETUP,
        _K.CONFIGURATION,
        False,
    ),
    "RESOURCE_MISSING": _Entry(
        "Not found in QuickBooks",
        "The record or connection asked for could not be found.",
        "If the record was deleted in QuickBooks, no action is needed. If this happens for every "
        "record, open setup and check the QuickBooks connection.",
        _A.COPY_DETAILS,
        _K.DATA,
        False,
    ),
}

_BY_INTEGRATION_CODE: dict[str, _Entry] = {
    "0x80040420": _Entry(
        "QuickBooks refused access",
        "QuickBooks is not allowing this app to open the company file.",
        f"{_AT_QUICKBOOKS}: open QuickBooks as Admin, choose Edit > Preferences > Integrated "
        "Applications > Company Preferences, select this app, click Properties, tick 'Allow "
        "this application to log in automatically', click OK, then try again.",
        _A.OPEN_QUICKBOOKS_HELP,
        _K.CONNECTION,
        True,
    ),
    "0x80040408": _Entry(
        "QuickBooks could not start",
        "QuickBooks could not be started to open the company file.",
        f"{_AT_QUICKBOOKS}: close other QuickBooks windows, make sure nobody else has the "
        "company file open in single-user mode and that the file was not moved or renamed, "
        "then open the company file in QuickBooks and try again.",
        _A.OPEN_QUICKBOOKS_HELP,
        _K.CONNECTION,
        True,
    ),
    "3100": _Entry(
        "Name already used in QuickBooks",
        "QuickBooks already has a customer, vendor, employee or other name with this name. "
        "Names must be unique across all of those lists in QuickBooks.",
        "Link this record to the existing QuickBooks record in setup (Match existing records), "
        "or give one of them a different name.",
        _A.OPEN_SETUP,
        _K.DATA,
        False,
    ),
    "3140": _Entry(
        "Something this record refers to is missing in QuickBooks",
        "This record refers to a customer, item or account that QuickBooks does not have, or "
        "that uses a different currency.",
        "Check that the customer and items exist in QuickBooks and have been synced, then try "
        "again.",
        _A.COPY_DETAILS,
        _K.DATA,
        False,
    ),
    "3200": _Entry(
        "Record changed in QuickBooks meanwhile",
        "Someone changed this record in QuickBooks while the sync was working on it.",
        "Sync again; the app will pick up the latest version.",
        _A.RETRY,
        _K.TRANSIENT,
        True,
    ),
    "3120": _Entry(
        "Record no longer in QuickBooks",
        "The record could not be found in QuickBooks. It may have been deleted there.",
        "Check QuickBooks. If the record was deleted on purpose, no action is needed.",
        _A.NONE,
        _K.DATA,
        False,
    ),
    "3170": _Entry(
        "Record open in QuickBooks",
        "This record is open in a QuickBooks window, so QuickBooks would not change it.",
        f"{_AT_QUICKBOOKS}: close the window showing this record, then try again.",
        _A.RETRY,
        _K.TRANSIENT,
        True,
    ),
    "3171": _Entry(
        "Date is in a closed period",
        "QuickBooks does not allow changes dated on or before the company's closing date.",
        "Use a date after the closing date, or ask your accountant to change the closing date "
        "in QuickBooks.",
        _A.NONE,
        _K.DATA,
        False,
    ),
    "3180": _Entry(
        "QuickBooks could not save the record",
        "QuickBooks refused to save this record. A common reason is a customer's credit limit "
        "being exceeded.",
        "Check the record in QuickBooks (for example the customer's credit limit), then try again.",
        _A.COPY_DETAILS,
        _K.DATA,
        False,
    ),
    "1": _Entry(
        "No matching record in QuickBooks",
        "QuickBooks found no record matching the request.",
        "Usually no action is needed. If it keeps happening, copy the details and send them to "
        "support.",
        _A.COPY_DETAILS,
        _K.DATA,
        False,
    ),
}
_BY_INTEGRATION_CODE["3175"] = _BY_INTEGRATION_CODE["3170"]

_BY_TYPE: dict[str, _Entry] = {
    "INTEGRATION_CONNECTION_ERROR": _CONNECTION,
    "INTEGRATION_ERROR": _Entry(
        "QuickBooks did not accept the record",
        "QuickBooks refused this record.",
        "Check the record's values in the details; correct it and try again.",
        _A.COPY_DETAILS,
        _K.DATA,
        False,
    ),
    "INVALID_REQUEST_ERROR": _Entry(
        "QuickBooks did not accept the data",
        "The data sent for this record was not accepted.",
        "Check the record's values; if it keeps happening, copy the details and send them to "
        "support.",
        _A.COPY_DETAILS,
        _K.DATA,
        False,
    ),
    "AUTHENTICATION_ERROR": _BY_CODE["API_KEY_INVALID"],
    "PERMISSION_ERROR": _Entry(
        "Not allowed by Conductor",
        "The Conductor account does not allow this, for example because of a billing or plan "
        "limit.",
        "Check the Conductor account, or ask whoever set it up.",
        _A.OPEN_SETUP,
        _K.CONFIGURATION,
        False,
    ),
    "INTERNAL_ERROR": _Entry(
        "The QuickBooks connection service had a problem",
        "Conductor, the service that connects this app to QuickBooks, had a problem of its own.",
        "Try again in a few minutes.",
        _A.RETRY,
        _K.TRANSIENT,
        True,
    ),
}

_UNKNOWN_SERVER = _BY_TYPE["INTERNAL_ERROR"]
_UNKNOWN_CLIENT = _Entry(
    "QuickBooks request failed",
    "The request to QuickBooks failed for a reason this app does not recognise.",
    "Try again. If it keeps happening, copy the details and send them to support.",
    _A.COPY_DETAILS,
    _K.TRANSIENT,
    False,
)


def from_conductor(error_body: object, http_status: int | None = None) -> UserError:
    """The UserError for a Conductor error body (`{"error": {...}}` or its inner object)."""
    error = _inner(error_body)
    kind = _str(error.get("type"))
    code = _str(error.get("code"))
    integration = _str(error.get("integrationCode"))
    # A status of 0 or None means the caller did not know it; the body may.
    status = http_status or error.get("httpStatusCode") or None
    entry = _entry(kind, code, integration, status if isinstance(status, int) else None)
    what_happened, what_to_do = entry.what_happened, entry.what_to_do
    user_message = _str(error.get("userFacingMessage")).strip()
    if user_message and user_message != MASKED_MESSAGE:
        first, rest = _split_first_sentence(user_message)
        what_happened = first
        what_to_do = rest or what_to_do
    details = "; ".join(
        part
        for part in (
            f"Conductor {kind or 'error'}" + (f" {code}" if code else ""),
            f"integrationCode {integration}" if integration else "",
            f"HTTP {status}" if status is not None else "",
            f"request {_str(error.get('requestId'))}" if error.get("requestId") else "",
            _str(error.get("message")),
        )
        if part
    )
    return UserError(
        code=".".join(p for p in ("conductor", code or kind or "unknown", integration) if p),
        title=entry.title,
        what_happened=what_happened,
        what_to_do=what_to_do,
        action=entry.action,
        kind=entry.kind,
        retryable=entry.retryable,
        details=details,
    )


def _entry(kind: str, code: str, integration: str, status: int | None) -> _Entry:
    if integration in _BY_INTEGRATION_CODE and (
        code in ("QBD_REQUEST_ERROR", "QBD_CONNECTION_ERROR")
        or kind in ("INTEGRATION_ERROR", "INTEGRATION_CONNECTION_ERROR")
    ):
        return _BY_INTEGRATION_CODE[integration]
    if code in _BY_CODE:
        return _BY_CODE[code]
    if kind in _BY_TYPE:
        return _BY_TYPE[kind]
    if code == "QBD_REQUEST_ERROR":
        return _BY_TYPE["INTEGRATION_ERROR"]
    if status is not None and status >= 500:
        return _UNKNOWN_SERVER
    if status in (401, 403):
        return _BY_CODE["API_KEY_INVALID"] if status == 401 else _BY_TYPE["PERMISSION_ERROR"]
    return _UNKNOWN_CLIENT


def _inner(error_body: object) -> Mapping[str, Any]:
    if isinstance(error_body, Mapping):
        inner = error_body.get("error")
        if isinstance(inner, Mapping):
            return inner
        return error_body
    return {}


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _split_first_sentence(text: str) -> tuple[str, str]:
    parts = _SENTENCE_END.split(text, maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""
