"""Each injected fault reaches conductor-py the way the real service's error would."""

from __future__ import annotations

import threading
import time
from typing import Any

import conductor
import pytest
from conductor_sandbox_support import client_for

from app.sandbox.conductor import ConductorSandbox

OFFICIAL_DENIED = (
    "We could not connect to QuickBooks Desktop because we must re-authorize our connection. "
    "To fix this, open QuickBooks Desktop, log in as Admin, navigate to 'Edit > Preferences > "
    "Integrated Applications', click 'Company Preferences', select our app, click "
    "'Properties...', ensure 'Allow this application to log in automatically' is checked, then "
    "click 'OK'. Then try again."
)

# kind: (exception, HTTP status, type, code, integrationCode)
FAULTS: dict[str, tuple[type[conductor.APIStatusError], int, str, str, str | None]] = {
    "qb_dialog": (
        conductor.InternalServerError,
        502,
        "INTEGRATION_CONNECTION_ERROR",
        "QBD_CONNECTION_ERROR",
        "0x80040414",
    ),
    "qb_not_running": (
        conductor.InternalServerError,
        502,
        "INTEGRATION_CONNECTION_ERROR",
        "QBD_CONNECTION_ERROR",
        "0x80040408",
    ),
    "access_denied": (
        conductor.InternalServerError,
        502,
        "INTEGRATION_CONNECTION_ERROR",
        "QBD_CONNECTION_ERROR",
        "0x80040420",
    ),
    "web_connector_offline": (
        conductor.InternalServerError,
        502,
        "INTEGRATION_CONNECTION_ERROR",
        "INTEGRATION_CONNECTION_NOT_ACTIVE",
        None,
    ),
    "not_set_up": (
        conductor.ConflictError,
        409,
        "INTEGRATION_CONNECTION_ERROR",
        "INTEGRATION_CONNECTION_NOT_SET_UP",
        None,
    ),
    "timeout": (
        conductor.InternalServerError,
        504,
        "INTEGRATION_CONNECTION_ERROR",
        "QBD_REQUEST_TIMEOUT",
        None,
    ),
    "record_in_use": (
        conductor.InternalServerError,
        502,
        "INTEGRATION_ERROR",
        "QBD_REQUEST_ERROR",
        "3175",
    ),
    "server_error": (
        conductor.InternalServerError,
        500,
        "INTERNAL_ERROR",
        "INTERNAL_SERVER_ERROR",
        None,
    ),
    "rate_limit": (
        conductor.RateLimitError,
        429,
        "INVALID_REQUEST_ERROR",
        "TOO_MANY_REQUESTS",
        None,
    ),
}


@pytest.mark.parametrize("kind", FAULTS)
def test_fault_as_the_client_sees_it(
    kind: str, sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    exception, status, type_, code, integration_code = FAULTS[kind]
    invoice = sb.qb.ids("invoice")[0]
    sb.add_fault(kind=kind, times=1)
    with pytest.raises(exception) as caught:
        client.qbd.invoices.retrieve(invoice, conductor_end_user_id=sb.end_user_id)
    error: dict[str, Any] = caught.value.body["error"]  # type: ignore[index]
    assert caught.value.status_code == status
    assert (error["type"], error["code"], error.get("integrationCode")) == (
        type_,
        code,
        integration_code,
    )
    assert error["httpStatusCode"] == status
    assert error["message"]
    assert error["userFacingMessage"]
    assert caught.value.response.headers["Conductor-Request-Id"] == error["requestId"]
    assert client.qbd.invoices.retrieve(invoice, conductor_end_user_id=sb.end_user_id).id == invoice


def test_fault_wording(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    eu = sb.end_user_id
    messages = {}
    for kind in ("qb_dialog", "access_denied", "server_error", "record_in_use"):
        sb.add_fault(kind=kind, times=1)
        with pytest.raises(conductor.APIStatusError) as caught:
            client.qbd.invoices.retrieve(sb.qb.ids("invoice")[0], conductor_end_user_id=eu)
        messages[kind] = caught.value.body["error"]  # type: ignore[index]
    assert "close" in messages["qb_dialog"]["userFacingMessage"]
    assert messages["access_denied"]["message"] == (
        "QBD Connection Error (0x80040420): The QuickBooks user has denied access."
    )
    assert messages["access_denied"]["userFacingMessage"] == OFFICIAL_DENIED
    masked = "An internal server error occurred. Please try again."
    assert messages["server_error"]["userFacingMessage"] == masked
    assert sb.qb.ids("invoice")[0] in messages["record_in_use"]["message"]


def test_rate_limit_says_when_to_retry(sb: ConductorSandbox) -> None:
    sb.add_fault(kind="rate_limit", retry_after=0.05, times=2)
    patient = client_for(sb, max_retries=2)
    started = time.perf_counter()
    assert patient.qbd.health_check(conductor_end_user_id=sb.end_user_id).status == "ok"
    assert time.perf_counter() - started < 2
    assert [e["status"] for e in sb.requests()[-3:]] == [429, 429, 200]
    sb.add_fault(kind="rate_limit", retry_after=7)
    with pytest.raises(conductor.RateLimitError) as caught:
        client_for(sb).qbd.health_check(conductor_end_user_id=sb.end_user_id)
    assert caught.value.response.headers["Retry-After"] == "7"


def test_fault_matching(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    eu = sb.end_user_id
    sb.add_fault(kind="qb_dialog", path="/invoices", method="POST", times=None)
    assert client.qbd.invoices.list(conductor_end_user_id=eu, limit=1).data
    customer = sb.qb.ids("customer")[0]
    with pytest.raises(conductor.InternalServerError):
        client.qbd.invoices.create(
            conductor_end_user_id=eu, customer_id=customer, transaction_date="2025-07-01"
        )
    sb.clear_faults()
    sb.add_fault(kind="timeout", skip=1, times=1)
    client.qbd.health_check(conductor_end_user_id=eu)
    with pytest.raises(conductor.InternalServerError):
        client.qbd.health_check(conductor_end_user_id=eu)
    client.qbd.health_check(conductor_end_user_id=eu)


def _create_invoice(sb: ConductorSandbox, client: conductor.Conductor) -> Any:
    return client.qbd.invoices.create(
        conductor_end_user_id=sb.end_user_id,
        customer_id=sb.qb.ids("customer")[0],
        transaction_date="2025-07-01",
        lines=[{"item_id": sb.qb.ids("service_item")[0], "quantity": 1}],
    )


def test_drop_before_the_write(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    before = sb.qb.count("invoice")
    sb.add_fault(kind="drop", path="/invoices$", method="POST")
    with pytest.raises(conductor.APIConnectionError):
        _create_invoice(sb, client)
    assert sb.qb.count("invoice") == before


def test_drop_after_commit_still_created_the_record(
    sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    before = set(sb.qb.ids("invoice"))
    sb.add_fault(kind="drop", path="/invoices$", method="POST", after_commit=True)
    with pytest.raises(conductor.APIConnectionError):
        _create_invoice(sb, client)
    created = set(sb.qb.ids("invoice")) - before
    assert len(created) == 1
    found = client.qbd.invoices.list(conductor_end_user_id=sb.end_user_id, ids=list(created))
    assert found.data[0].customer.id == sb.qb.ids("customer")[0]  # type: ignore[union-attr]


def test_timeout_after_commit_still_created_the_record(
    sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    before = sb.qb.count("invoice")
    sb.add_fault(kind="timeout", path="/invoices$", method="POST", after_commit=True)
    with pytest.raises(conductor.InternalServerError) as caught:
        _create_invoice(sb, client)
    assert caught.value.status_code == 504
    assert sb.qb.count("invoice") == before + 1


def test_retries_can_create_twice(sb: ConductorSandbox) -> None:
    """conductor-py retries POSTs and Conductor has no idempotency key: a lost answer repeats."""
    before = sb.qb.count("invoice")
    sb.add_fault(kind="drop", path="/invoices$", method="POST", after_commit=True)
    _create_invoice(sb, client_for(sb, max_retries=1))
    assert sb.qb.count("invoice") == before + 2


def test_a_slow_answer_times_out_the_client(sb: ConductorSandbox) -> None:
    sb.add_fault(kind="delay", seconds=0.6)
    impatient = client_for(sb, timeout=0.2)
    with pytest.raises(conductor.APITimeoutError):
        impatient.qbd.health_check(conductor_end_user_id=sb.end_user_id)


def test_quickbooks_serves_one_request_at_a_time(sb: ConductorSandbox) -> None:
    sb.set_config(latency_ms=150)
    client = client_for(sb)
    started = time.perf_counter()
    threads = [
        threading.Thread(
            target=client.qbd.health_check, kwargs={"conductor_end_user_id": sb.end_user_id}
        )
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.perf_counter() - started >= 0.45
    assert all(entry["ms"] >= 150 for entry in sb.requests()[-3:])
