"""Keys, end users, the auth flow and the admin API, as a client and a browser see them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import conductor
import pytest
import requests
from conductor_sandbox_support import client_for

from app.sandbox._http import ADMIN_HEADER
from app.sandbox.conductor import ConductorSandbox


def test_a_wrong_key_is_401(sb: ConductorSandbox) -> None:
    wrong = conductor.Conductor(api_key="sk_test_wrong1234", base_url=sb.base_url, max_retries=0)
    with pytest.raises(conductor.AuthenticationError) as caught:
        wrong.qbd.health_check(conductor_end_user_id=sb.end_user_id)
    error = caught.value.body["error"]  # type: ignore[index]
    assert error["type"] == "AUTHENTICATION_ERROR"
    assert error["code"] == "API_KEY_INVALID"
    assert error["httpStatusCode"] == 401
    assert error["message"] == "Invalid API key provided: 'sk_test_...1234'"
    assert error["userFacingMessage"] == "An internal server error occurred. Please try again."
    assert "integrationCode" not in error
    assert caught.value.response.headers["Conductor-Request-Id"] == error["requestId"]


def test_every_response_has_a_request_id(sb: ConductorSandbox) -> None:
    headers = {"Authorization": f"Bearer {sb.secret_key}"}
    for url, extra in (
        (f"{sb.base_url}/end-users", {}),
        (f"{sb.base_url}/quickbooks-desktop/health-check", {}),
        (f"{sb.base_url}/no-such-thing", {}),
        (f"{sb.base_url}/quickbooks-desktop/customers", {"Conductor-End-User-Id": "end_usr_x"}),
    ):
        response = requests.get(url, headers={**headers, **extra}, timeout=10)
        assert re.fullmatch(r"req_[0-9a-f]{16}", response.headers["Conductor-Request-Id"])
    missing_user = requests.get(
        f"{sb.base_url}/quickbooks-desktop/health-check", headers=headers, timeout=10
    )
    assert missing_user.status_code == 400
    assert '"Conductor-End-User-Id"' in missing_user.json()["error"]["message"]


def test_an_unknown_end_user_is_404(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    with pytest.raises(conductor.NotFoundError) as caught:
        client.qbd.customers.list(conductor_end_user_id="end_usr_nobody")
    assert caught.value.body["error"]["code"] == "RESOURCE_MISSING"  # type: ignore[index]


def test_end_user_crud(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    created = client.end_users.create(
        company_name="Blue Ridge Builders", source_id="crm-42", email="office@blueridge.example.com"
    )
    assert created.id.startswith("end_usr_")
    assert created.integration_connections == []
    assert client.end_users.retrieve(created.id).source_id == "crm-42"
    assert [u.id for u in client.end_users.list().data] == [sb.end_user_id, created.id]
    with pytest.raises(conductor.BadRequestError):
        client.end_users.create(company_name="Again", source_id="crm-42", email="a@example.com")
    deleted = client.end_users.delete(created.id)
    assert (deleted.id, deleted.object_type, deleted.deleted) == (created.id, "end_user", True)
    with pytest.raises(conductor.NotFoundError):
        client.end_users.retrieve(created.id)


def test_the_auth_flow_activates_the_connection(
    sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    user = client.end_users.create(
        company_name="Juniper Joinery", source_id="crm-7", email="books@juniper.example.com"
    )
    with pytest.raises(conductor.ConflictError) as caught:
        client.qbd.health_check(conductor_end_user_id=user.id)
    error = caught.value.body["error"]  # type: ignore[index]
    assert (error["type"], error["code"], error["httpStatusCode"]) == (
        "INTEGRATION_CONNECTION_ERROR",
        "INTEGRATION_CONNECTION_NOT_SET_UP",
        409,
    )
    with pytest.raises(conductor.ConflictError):
        client.qbd.invoices.list(conductor_end_user_id=user.id)

    session = client.auth_sessions.create(publishable_key=sb.publishable_key, end_user_id=user.id)
    assert session.id.startswith("auth_sess_")
    assert session.end_user_id == user.id
    assert session.auth_flow_url.startswith(f"{sb.root_url}/setup/{session.client_secret}")
    assert session.expires_at > session.created_at

    page = requests.get(session.auth_flow_url, timeout=10)
    assert page.status_code == 200
    assert "Juniper Joinery" in page.text
    assert '<form method="post">' in page.text
    connection = client.end_users.retrieve(user.id).integration_connections[0]
    assert connection.integration_slug == "quickbooks_desktop"
    assert connection.last_successful_request_at is None
    with pytest.raises(conductor.ConflictError):
        client.qbd.health_check(conductor_end_user_id=user.id)

    done = requests.post(session.auth_flow_url, timeout=10)
    assert done.status_code == 200
    assert "connected" in done.text
    health = client.qbd.health_check(conductor_end_user_id=user.id)
    assert health.status == "ok"
    connection = client.end_users.retrieve(user.id).integration_connections[0]
    assert connection.last_successful_request_at is not None
    assert connection.last_request_at == connection.last_successful_request_at


def test_auth_session_rules(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    with pytest.raises(conductor.BadRequestError):
        client.auth_sessions.create(publishable_key="pk_test_wrong", end_user_id=sb.end_user_id)
    with pytest.raises(conductor.NotFoundError):
        client.auth_sessions.create(publishable_key=sb.publishable_key, end_user_id="end_usr_none")
    with pytest.raises(conductor.BadRequestError):
        client.auth_sessions.create(
            publishable_key=sb.publishable_key, end_user_id=sb.end_user_id, link_expiry_mins=5
        )
    session = client.auth_sessions.create(
        publishable_key=sb.publishable_key,
        end_user_id=sb.end_user_id,
        redirect_url="https://app.example.com/connected",
        link_expiry_mins=60,
    )
    assert session.redirect_url == "https://app.example.com/connected"
    done = requests.post(session.auth_flow_url, allow_redirects=False, timeout=10)
    assert done.status_code == 303
    assert done.headers["Location"] == "https://app.example.com/connected"
    assert requests.get(f"{sb.root_url}/setup/nope", timeout=10).status_code == 404


def test_an_expired_link_is_refused(make_sandbox: Any) -> None:
    start = datetime(2025, 8, 1, 9, 0, tzinfo=UTC)
    sandbox = make_sandbox(seed=2, customers=2, items=2, invoices=2, payments=1, start_time=start)
    session = client_for(sandbox).auth_sessions.create(
        publishable_key=sandbox.publishable_key, end_user_id=sandbox.end_user_id
    )
    lifetime = datetime.fromisoformat(session.expires_at) - datetime.fromisoformat(
        session.created_at
    )
    assert lifetime == timedelta(minutes=30)
    sandbox.company.clock.observe(start + timedelta(minutes=31))
    assert requests.get(session.auth_flow_url, timeout=10).status_code == 410
    assert requests.post(session.auth_flow_url, timeout=10).status_code == 410


def test_admin_api_needs_the_token(sb: ConductorSandbox) -> None:
    url = f"{sb.root_url}/__sandbox/config"
    assert requests.get(url, timeout=10).status_code == 403
    assert requests.get(url, headers={ADMIN_HEADER: "guess"}, timeout=10).status_code == 403
    allowed = requests.get(url, headers={ADMIN_HEADER: sb.admin_token}, timeout=10)
    assert allowed.status_code == 200
    assert allowed.json()["strict"] is True
    refused = requests.post(
        f"{sb.root_url}/__sandbox/faults", json={"kind": "qb_dialog"}, timeout=10
    )
    assert refused.status_code == 403
    assert sb.app.faults.snapshot() == []


def test_faults_over_the_admin_api(sb: ConductorSandbox) -> None:
    added = requests.post(
        f"{sb.root_url}/__sandbox/faults",
        json={"kind": "qb_dialog", "times": 1},
        headers={ADMIN_HEADER: sb.admin_token},
        timeout=10,
    )
    assert added.status_code == 200
    assert added.json()[0]["path"] == "^/v1/quickbooks-desktop/"
    unknown = requests.post(
        f"{sb.root_url}/__sandbox/faults",
        json={"kind": "meteor"},
        headers={ADMIN_HEADER: sb.admin_token},
        timeout=10,
    )
    assert unknown.status_code == 400
    client = client_for(sb)
    client.end_users.list()  # outside QuickBooks paths: untouched
    with pytest.raises(conductor.InternalServerError):
        client.qbd.health_check(conductor_end_user_id=sb.end_user_id)
    assert client.qbd.health_check(conductor_end_user_id=sb.end_user_id).status == "ok"
    log = sb.requests()
    assert [entry["status"] for entry in log[-2:]] == [502, 200]
