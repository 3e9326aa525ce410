"""Strict mode: what the spec rejects is refused with a 400 naming it, and every response the
sandbox sends is checked against the spec (a failing one becomes a recorded 500)."""

from __future__ import annotations

from typing import Any

import conductor
import pytest
import requests
from conductor_sandbox_support import client_for

from app.sandbox.conductor import ConductorSandbox, handlers


def _message(caught: pytest.ExceptionInfo[conductor.BadRequestError]) -> str:
    error = caught.value.body["error"]  # type: ignore[index]
    assert error["type"] == "INVALID_REQUEST_ERROR"
    assert error["httpStatusCode"] == 400
    return str(error["message"])


def test_unknown_query_parameter(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    with pytest.raises(conductor.BadRequestError) as caught:
        client.qbd.invoices.list(
            conductor_end_user_id=sb.end_user_id, extra_query={"colour": "red"}
        )
    assert _message(caught) == 'Unrecognized key: "colour"'


def test_unknown_body_property(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    with pytest.raises(conductor.BadRequestError) as caught:
        client.qbd.customers.create(
            conductor_end_user_id=sb.end_user_id,
            name="Oakmont Optics",
            extra_body={"nickname": "O"},
        )
    assert _message(caught) == 'Unrecognized key: "nickname"'
    with pytest.raises(conductor.BadRequestError) as caught:
        client.qbd.invoices.create(
            conductor_end_user_id=sb.end_user_id,
            customer_id=sb.qb.ids("customer")[0],
            transaction_date="2025-07-01",
            lines=[{"item_id": sb.qb.ids("service_item")[0], "colour": "red"}],  # type: ignore[typeddict-unknown-key]
        )
    assert _message(caught) == 'Unrecognized key: "colour" at "lines[0]"'


def test_wrong_types_and_formats(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    eu = sb.end_user_id
    with pytest.raises(conductor.BadRequestError) as caught:
        client.qbd.customers.create(
            conductor_end_user_id=eu, name="X", extra_body={"isActive": "yes"}
        )
    assert _message(caught) == 'Invalid input: expected boolean, received string at "isActive"'
    with pytest.raises(conductor.BadRequestError) as caught:
        client.qbd.invoices.create(
            conductor_end_user_id=eu,
            customer_id=sb.qb.ids("customer")[0],
            transaction_date="2025-13-45",
        )
    assert _message(caught) == 'Invalid ISO date at "transactionDate"'
    with pytest.raises(conductor.BadRequestError) as caught:
        client.qbd.invoices.list(conductor_end_user_id=eu, payment_status="maybe")  # type: ignore[arg-type]
    assert (
        _message(caught)
        == 'Invalid option: expected one of "all"|"paid"|"not_paid" at "paymentStatus"'
    )
    with pytest.raises(conductor.BadRequestError) as caught:
        client.qbd.invoices.list(conductor_end_user_id=eu, updated_after="last tuesday")
    assert "updatedAfter" in _message(caught)


def test_missing_required_property(sb: ConductorSandbox) -> None:
    response = requests.post(
        f"{sb.base_url}/quickbooks-desktop/invoices",
        json={"customerId": sb.qb.ids("customer")[0]},
        headers={
            "Authorization": f"Bearer {sb.secret_key}",
            "Conductor-End-User-Id": sb.end_user_id,
        },
        timeout=10,
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (
        error["message"]
        == 'Invalid input: expected string, received undefined at "transactionDate"'
    )
    assert error["requestId"] == response.headers["Conductor-Request-Id"]


def test_a_field_the_sandbox_does_not_emulate_is_refused(
    sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    with pytest.raises(conductor.BadRequestError) as caught:
        client.qbd.invoices.create(
            conductor_end_user_id=sb.end_user_id,
            customer_id=sb.qb.ids("customer")[0],
            transaction_date="2025-07-01",
            link_to_transaction_ids=["1-1"],
        )
    assert '"linkToTransactionIds"' in _message(caught)
    assert caught.value.body["error"]["code"] == "SANDBOX_UNSUPPORTED_FIELD"  # type: ignore[index]


def test_lenient_mode_ignores_unknown_keys(
    sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    sb.set_config(strict=False)
    page = client.qbd.invoices.list(
        conductor_end_user_id=sb.end_user_id, extra_query={"colour": "red"}
    )
    assert page.data
    created = client.qbd.customers.create(
        conductor_end_user_id=sb.end_user_id, name="Union Upholstery", extra_body={"nickname": "U"}
    )
    assert created.name == "Union Upholstery"


def test_a_response_off_the_spec_is_a_recorded_500(
    sb: ConductorSandbox, client: conductor.Conductor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(call: Any) -> dict[str, Any]:
        return {"status": "ok", "duration": "fast", "extra": 1}

    monkeypatch.setitem(handlers.HANDLERS, "GET /quickbooks-desktop/health-check", broken)
    with pytest.raises(conductor.InternalServerError) as caught:
        client.qbd.health_check(conductor_end_user_id=sb.end_user_id)
    error = caught.value.body["error"]  # type: ignore[index]
    assert error["type"] == "INTERNAL_ERROR"
    assert "does not match Conductor's schema" in error["message"]
    assert len(sb.schema_violations) == 1
    problems = sb.schema_violations[0]["problems"]
    assert any("duration" in p for p in problems)
    assert any("extra" in p for p in problems)
    sb.schema_violations.clear()


def test_a_sandbox_crash_is_a_recorded_500(
    sb: ConductorSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(call: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    monkeypatch.setitem(handlers.HANDLERS, "GET /quickbooks-desktop/health-check", crash)
    with pytest.raises(conductor.InternalServerError):
        client_for(sb).qbd.health_check(conductor_end_user_id=sb.end_user_id)
    assert "RuntimeError: boom" in sb.internal_errors[0]["traceback"]
    sb.internal_errors.clear()
