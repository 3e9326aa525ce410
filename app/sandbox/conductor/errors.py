"""Conductor's error bodies, and the qbXML status errors QuickBooks reports through them.

Every error is `{"error": {message, userFacingMessage, type, code, httpStatusCode, requestId
[, integrationCode]}}`. QuickBooks data errors are INTEGRATION_ERROR / QBD_REQUEST_ERROR / 502
with the qbXML status code in `integrationCode` and a message shaped like
`QBD Request Error (3200): ...`.
"""

from __future__ import annotations

from typing import Any

MASKED = "An internal server error occurred. Please try again."


class ConductorError(Exception):
    """An error response; raised anywhere below the HTTP layer and rendered by it."""

    def __init__(
        self,
        *,
        status: int,
        type: str,
        code: str,
        message: str,
        user_facing_message: str | None = None,
        integration_code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type
        self.code = code
        self.message = message
        self.user_facing_message = user_facing_message or message
        self.integration_code = integration_code
        self.headers = headers or {}

    def body(self, request_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": self.message,
            "userFacingMessage": self.user_facing_message,
            "type": self.type,
            "code": self.code,
            "httpStatusCode": self.status,
            "requestId": request_id,
        }
        if self.integration_code is not None:
            error["integrationCode"] = self.integration_code
        return {"error": error}


# -- Conductor's own errors ----------------------------------------------------------------------


def api_key_invalid(provided: str | None) -> ConductorError:
    if not provided:
        message = (
            "No API key provided. Set the `Authorization` header to `Bearer <your secret key>`."
        )
    else:
        message = f"Invalid API key provided: '{_redact(provided)}'"
    return ConductorError(
        status=401,
        type="AUTHENTICATION_ERROR",
        code="API_KEY_INVALID",
        message=message,
        user_facing_message=MASKED,
    )


def invalid_request(message: str, code: str = "INVALID_REQUEST") -> ConductorError:
    # Conductor masks its own validation messages for end users; `message` has the detail.
    return ConductorError(
        status=400,
        type="INVALID_REQUEST_ERROR",
        code=code,
        message=message,
        user_facing_message=MASKED,
    )


def resource_missing(message: str) -> ConductorError:
    return ConductorError(
        status=404,
        type="INVALID_REQUEST_ERROR",
        code="RESOURCE_MISSING",
        message=message,
        user_facing_message=MASKED,
    )


def unrecognized_url(method: str, path: str) -> ConductorError:
    return ConductorError(
        status=404,
        type="INVALID_REQUEST_ERROR",
        code="RESOURCE_MISSING",
        message=f"Unrecognized request URL ({method}: {path}).",
        user_facing_message=MASKED,
    )


def internal(message: str) -> ConductorError:
    return ConductorError(
        status=500,
        type="INTERNAL_ERROR",
        code="INTERNAL_SERVER_ERROR",
        message=message,
        user_facing_message=MASKED,
    )


def connection_not_set_up(end_user_id: str) -> ConductorError:
    return ConductorError(
        status=409,
        type="INTEGRATION_CONNECTION_ERROR",
        code="INTEGRATION_CONNECTION_NOT_SET_UP",
        message=(
            f'The end-user "{end_user_id}" has not completed the QuickBooks Desktop setup. '
            "Create an auth session and send its `authFlowUrl` to the end-user."
        ),
        user_facing_message=(
            "QuickBooks Desktop is not connected yet. Open the setup link on the computer "
            "that runs QuickBooks Desktop and follow the steps to connect it."
        ),
    )


def _redact(key: str) -> str:
    prefix = key[: key.index("_", 3) + 1] if key.count("_") >= 2 else ""
    return f"{prefix}...{key[-4:]}"


# -- QuickBooks (qbXML status) errors -----------------------------------------------------------


def qbxml(status_code: int | str, text: str) -> ConductorError:
    return ConductorError(
        status=502,
        type="INTEGRATION_ERROR",
        code="QBD_REQUEST_ERROR",
        message=f"QBD Request Error ({status_code}): {text}",
        user_facing_message=text,
        integration_code=str(status_code),
    )


def not_found_in_query(value: str) -> ConductorError:
    return qbxml(
        500,
        "The query request has not been fully completed. There was a required element "
        f'("{value}") that could not be found in QuickBooks.',
    )


def object_not_found(object_id: str) -> ConductorError:
    return qbxml(3120, f'Object "{object_id}" specified in the request cannot be found.')


def name_in_use(name: str) -> ConductorError:
    return qbxml(3100, f'The name "{name}" of the list element is already in use.')


def invalid_reference(target: str, value: str, within: str) -> ConductorError:
    return qbxml(
        3140,
        f'There is an invalid reference to QuickBooks {target} "{value}" in the {within}. '
        "QuickBooks error message: Invalid argument. The specified record does not exist "
        "in the list.",
    )


def stale_revision(provided: str) -> ConductorError:
    return qbxml(3200, f'The provided revision number (edit sequence) "{provided}" is out-of-date.')


def conversion(field: str, value: str) -> ConductorError:
    return qbxml(
        3020, f'There was an error when converting the amount "{value}" in the field "{field}".'
    )


def save_failed(object_label: str, reason: str) -> ConductorError:
    return qbxml(
        3180, f"There was an error when saving a {object_label}. QuickBooks error message: {reason}"
    )


def record_in_use(object_label: str, object_id: str) -> ConductorError:
    return qbxml(
        3175,
        f'There was an error when modifying a {object_label} "{object_id}" because it is already '
        "in use. QuickBooks error message: This record is being edited by another user or is "
        "open in a window. Close the window in QuickBooks Desktop and try again.",
    )


def closed_period(object_label: str, day: str, closing_date: str) -> ConductorError:
    return qbxml(
        3171,
        f'The {object_label} dated "{day}" is on or before the closing date of the company '
        f'("{closing_date}"). QuickBooks error message: This transaction is in a closed period. '
        "Ask the person who set the closing date to change it, or date the transaction after it.",
    )


def credit_limit_exceeded(customer: str, balance: str, limit: str) -> ConductorError:
    return save_failed(
        "Invoice",
        f'This transaction would bring the balance of "{customer}" to {balance}, over its '
        f"credit limit of {limit}.",
    )
