"""Faults the Conductor sandbox can inject, each answered as Conductor would answer it.

Set them over the admin API (`POST /__sandbox/faults` with `{"kind": ..., ...}`) or from Python
(`sandbox.add_fault(kind=..., path=..., times=...)`). Matching fields (`path` regex, `method`,
`times`, `probability`, `skip`) come from the base `Fault`. QuickBooks kinds match
`/v1/quickbooks-desktop/` unless a `path` is given; `server_error` and `rate_limit` match all of
`/v1/`. Any kind accepts `message` / `user_facing_message` overrides, and `after_commit: true`
(or `commit: true`) to carry the request out first and then answer with the fault, as when
Conductor times out on a write that QuickBooks still made.

Kinds (HTTP status, error `type` / `code` / `integrationCode`):

- `qb_dialog`: 502 INTEGRATION_CONNECTION_ERROR / QBD_CONNECTION_ERROR / 0x80040414. A modal
  dialog is open in QuickBooks; the userFacingMessage asks the person to close it.
- `qb_not_running`: 502 INTEGRATION_CONNECTION_ERROR / QBD_CONNECTION_ERROR / 0x80040408.
  Could not start QuickBooks.
- `access_denied`: 502 INTEGRATION_CONNECTION_ERROR / QBD_CONNECTION_ERROR / 0x80040420.
  The QuickBooks user has denied access (Conductor's documented example, word for word).
- `web_connector_offline`: 502 INTEGRATION_CONNECTION_ERROR / INTEGRATION_CONNECTION_NOT_ACTIVE.
  The Web Connector on the QuickBooks machine is not checking in (status inferred; `status`
  overrides it).
- `not_set_up`: 409 INTEGRATION_CONNECTION_ERROR / INTEGRATION_CONNECTION_NOT_SET_UP.
- `timeout`: 504 INTEGRATION_CONNECTION_ERROR / QBD_REQUEST_TIMEOUT.
- `record_in_use`: 502 INTEGRATION_ERROR / QBD_REQUEST_ERROR / 3175. The record is open in a
  window in QuickBooks.
- `server_error`: 500 INTERNAL_ERROR / INTERNAL_SERVER_ERROR with Conductor's masked message.
- `rate_limit`: 429 INVALID_REQUEST_ERROR / TOO_MANY_REQUESTS with a `Retry-After` header of
  `retry_after` seconds (default 1).

`delay` (`seconds`, `then_drop`) and `drop` are transport faults handled by the base.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from werkzeug.wrappers import Request

from app.sandbox._http import Fault, FaultPlan
from app.sandbox.conductor import errors
from app.sandbox.conductor.errors import ConductorError

QUICKBOOKS_PATH = r"^/v1/quickbooks-desktop/"
CONDUCTOR_PATH = r"^/v1/"

_DENIED_USER_MESSAGE = (
    "We could not connect to QuickBooks Desktop because we must re-authorize our connection. "
    "To fix this, open QuickBooks Desktop, log in as Admin, navigate to 'Edit > Preferences > "
    "Integrated Applications', click 'Company Preferences', select our app, click "
    "'Properties...', ensure 'Allow this application to log in automatically' is checked, then "
    "click 'OK'. Then try again."
)


def _connection(hresult: str, message: str, user_message: str) -> ConductorError:
    return ConductorError(
        status=502,
        type="INTEGRATION_CONNECTION_ERROR",
        code="QBD_CONNECTION_ERROR",
        message=f"QBD Connection Error ({hresult}): {message}",
        user_facing_message=user_message,
        integration_code=hresult,
    )


def _qb_dialog(fault: Fault, request: Request) -> ConductorError:
    return _connection(
        "0x80040414",
        "A modal dialog box is showing in the QuickBooks user interface. Your application "
        "cannot access QuickBooks until the user dismisses the dialog box.",
        "We could not connect to QuickBooks Desktop because a window is open in QuickBooks "
        "that is waiting for an answer. To fix this, go to the computer running QuickBooks "
        "Desktop, close any open dialog or pop-up window in QuickBooks (for example an update "
        "prompt, a reminder or a message box), then try again.",
    )


def _qb_not_running(fault: Fault, request: Request) -> ConductorError:
    return _connection(
        "0x80040408",
        "Could not start QuickBooks.",
        "We could not connect to QuickBooks Desktop because QuickBooks could not be started on "
        "the computer where it is installed. To fix this, open QuickBooks Desktop on that "
        "computer, sign in to the company file, and then try again.",
    )


def _access_denied(fault: Fault, request: Request) -> ConductorError:
    return _connection("0x80040420", "The QuickBooks user has denied access.", _DENIED_USER_MESSAGE)


def _web_connector_offline(fault: Fault, request: Request) -> ConductorError:
    return ConductorError(
        status=int(fault.params.get("status", 502)),
        type="INTEGRATION_CONNECTION_ERROR",
        code="INTEGRATION_CONNECTION_NOT_ACTIVE",
        message=(
            "The QuickBooks Web Connector on the end-user's computer is not connected: it has "
            "not checked in recently."
        ),
        user_facing_message=(
            "We could not connect to QuickBooks Desktop because the QuickBooks Web Connector is "
            "not running on the computer where QuickBooks is installed. To fix this, make sure "
            "that computer is on and online, open QuickBooks Web Connector, and check that our "
            "app has 'Auto-Run' ticked. Then try again."
        ),
    )


def _not_set_up(fault: Fault, request: Request) -> ConductorError:
    return errors.connection_not_set_up(request.headers.get("Conductor-End-User-Id", ""))


def _timeout(fault: Fault, request: Request) -> ConductorError:
    return ConductorError(
        status=504,
        type="INTEGRATION_CONNECTION_ERROR",
        code="QBD_REQUEST_TIMEOUT",
        message=(
            "The request to QuickBooks Desktop timed out after 90 seconds. QuickBooks Desktop "
            "may still be processing it."
        ),
        user_facing_message=(
            "QuickBooks Desktop took too long to respond. It may be busy, or a window may be "
            "open in QuickBooks. Make sure QuickBooks Desktop is responsive, then try again."
        ),
    )


_RESOURCE_LABELS = {
    "customers": "Customer",
    "service-items": "ItemService",
    "non-inventory-items": "ItemNonInventory",
    "invoices": "Invoice",
    "receive-payments": "ReceivePayment",
    "accounts": "Account",
}


def _record_in_use(fault: Fault, request: Request) -> ConductorError:
    found = re.search(r"/quickbooks-desktop/([\w-]+)(?:/([^/]+))?", request.path)
    label = _RESOURCE_LABELS.get(found.group(1), "record") if found else "record"
    record_id = (found.group(2) if found else None) or str(fault.params.get("record_id", ""))
    return errors.record_in_use(label, record_id)


def _server_error(fault: Fault, request: Request) -> ConductorError:
    return errors.internal(errors.MASKED)


def _rate_limit(fault: Fault, request: Request) -> ConductorError:
    seconds = f"{float(fault.params.get('retry_after', 1)):g}"
    return ConductorError(
        status=429,
        type="INVALID_REQUEST_ERROR",
        code="TOO_MANY_REQUESTS",
        message=f"Too many requests. Retry after {seconds} second(s).",
        user_facing_message=errors.MASKED,
        headers={"Retry-After": seconds},
    )


KINDS: dict[str, Callable[[Fault, Request], ConductorError]] = {
    "qb_dialog": _qb_dialog,
    "qb_not_running": _qb_not_running,
    "access_denied": _access_denied,
    "web_connector_offline": _web_connector_offline,
    "not_set_up": _not_set_up,
    "timeout": _timeout,
    "record_in_use": _record_in_use,
    "server_error": _server_error,
    "rate_limit": _rate_limit,
}
_CONDUCTOR_WIDE = {"server_error", "rate_limit"}


def fault_error(fault: Fault, request: Request) -> ConductorError | None:
    make = KINDS.get(fault.kind)
    if make is None:
        return None
    error = make(fault, request)
    if "message" in fault.params:
        error.message = str(fault.params["message"])
    if "user_facing_message" in fault.params:
        error.user_facing_message = str(fault.params["user_facing_message"])
    return error


class ConductorFaultPlan(FaultPlan):
    """Fills in where a Conductor fault applies and how `after_commit` reads for it."""

    def add(self, fault: Fault) -> None:
        if fault.kind in KINDS:
            if fault.path is None:
                fault.path = CONDUCTOR_PATH if fault.kind in _CONDUCTOR_WIDE else QUICKBOOKS_PATH
            if fault.after_commit:
                # The base would run the request and discard the fault's answer; for an error
                # answer, "after commit" means: do the write, then report the error.
                fault.after_commit = False
                fault.params["commit"] = True
        elif fault.kind not in ("delay", "drop"):
            raise ValueError(
                f"unknown fault kind {fault.kind!r}; known: delay, drop, {', '.join(KINDS)}"
            )
        super().add(fault)
