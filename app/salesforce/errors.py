"""simple-salesforce and HTTP errors, translated once into what the engine and the user need."""

from __future__ import annotations

from typing import Any

import requests
from simple_salesforce.exceptions import SalesforceError as SdkError

from app.domain.errors import UserError, from_salesforce, no_network, untrusted_certificate

UNTRUSTED = "UNTRUSTED_CERTIFICATE"


class SalesforceError(Exception):
    def __init__(
        self,
        user_error: UserError,
        *,
        code: str | None = None,
        http_status: int | None = None,
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(user_error.title)
        self.user_error = user_error
        self.code = code
        self.http_status = http_status
        self.outcome_unknown = outcome_unknown

    @property
    def transient(self) -> bool:
        return (
            self.outcome_unknown
            or self.code
            in {
                "UNABLE_TO_LOCK_ROW",
                "SERVER_UNAVAILABLE",
            }
            or (self.http_status or 0) in {429, 500, 502, 503, 504}
        )

    @property
    def limit_reached(self) -> bool:
        return self.code == "REQUEST_LIMIT_EXCEEDED"


def first_error(content: Any) -> tuple[str, str, list[str] | None]:
    if isinstance(content, list) and content and isinstance(content[0], dict):
        err = content[0]
        return (
            str(err.get("errorCode") or err.get("statusCode") or "UNKNOWN"),
            str(err.get("message", "")),
            err.get("fields"),
        )
    if isinstance(content, dict) and "error" in content:
        return str(content["error"]), str(content.get("error_description", "")), None
    return "UNKNOWN", str(content)[:500], None


def translate(exc: Exception) -> SalesforceError:
    if isinstance(exc, SdkError):
        code, message, fields = first_error(exc.content)
        return SalesforceError(
            from_salesforce(code, message, fields, exc.status),
            code=code,
            http_status=exc.status,
        )
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return from_response(exc.response)
    if isinstance(exc, requests.exceptions.SSLError):
        # Refused before anything was sent, and refused again on every retry.
        return SalesforceError(untrusted_certificate(str(exc)), code=UNTRUSTED)
    if isinstance(exc, requests.RequestException):
        return SalesforceError(no_network("Salesforce", str(exc)), outcome_unknown=True)
    raise exc


def from_response(response: requests.Response) -> SalesforceError:
    try:
        content = response.json()
    except ValueError:
        content = response.text
    return from_body(response.status_code, content)


def from_body(status: int, content: Any) -> SalesforceError:
    """The error an answer's status and body (a response's, or a Composite subrequest's) carry."""
    code, message, fields = first_error(content)
    return SalesforceError(
        from_salesforce(code, message, fields, status), code=code, http_status=status
    )
