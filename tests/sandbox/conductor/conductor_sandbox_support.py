"""Helpers the Conductor sandbox tests share (a module name no other test folder uses)."""

from __future__ import annotations

from typing import Any

import conductor

from app.sandbox.conductor import ConductorSandbox


def client_for(sandbox: ConductorSandbox, **options: Any) -> conductor.Conductor:
    """The real client, without retries unless asked: a retry would hide the fault under test."""
    options.setdefault("max_retries", 0)
    return conductor.Conductor(api_key=sandbox.secret_key, base_url=sandbox.base_url, **options)


def assert_clean(sandbox: ConductorSandbox) -> None:
    """No response failed the spec's schema and no request crashed the sandbox."""
    assert sandbox.schema_violations == [], sandbox.schema_violations
    assert sandbox.internal_errors == [], [e["traceback"] for e in sandbox.internal_errors]
