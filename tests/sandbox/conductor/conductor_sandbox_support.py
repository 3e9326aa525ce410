"""Helpers the Conductor sandbox tests share (a module name no other test folder uses)."""

from __future__ import annotations

from typing import Any

import conductor
import pytest

from app.sandbox.conductor import ConductorSandbox


def client_for(sandbox: ConductorSandbox, **options: Any) -> conductor.Conductor:
    """The real client, without retries unless asked: a retry would hide the fault under test."""
    options.setdefault("max_retries", 0)
    return conductor.Conductor(api_key=sandbox.secret_key, base_url=sandbox.base_url, **options)


def assert_clean(sandbox: ConductorSandbox) -> None:
    """No response failed the spec's schema and no request crashed the sandbox."""
    assert sandbox.schema_violations == [], sandbox.schema_violations
    assert sandbox.internal_errors == [], [e["traceback"] for e in sandbox.internal_errors]


def error_of(caught: pytest.ExceptionInfo[Any]) -> dict[str, Any]:
    body = caught.value.body
    assert isinstance(body, dict)
    return dict(body["error"])


def qbxml_error(caught: pytest.ExceptionInfo[Any], code: str) -> dict[str, Any]:
    """The error as Conductor reports a QuickBooks (qbXML) status `code`."""
    assert isinstance(caught.value, conductor.InternalServerError)
    assert caught.value.status_code == 502
    error = error_of(caught)
    assert error["type"] == "INTEGRATION_ERROR"
    assert error["code"] == "QBD_REQUEST_ERROR"
    assert error["integrationCode"] == code
    assert error["message"].startswith(f"QBD Request Error ({code}): ")
    assert error["userFacingMessage"]
    return error
