"""Every injected fault, as simple-salesforce and requests see it."""

from __future__ import annotations

import csv
import io
import time

import pytest
import requests
from sf_helpers import client_session, connect, first_error, refresh
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from app.sandbox._http import ADMIN_HEADER
from app.sandbox.salesforce import SalesforceSandbox

QUERY = "SELECT Id FROM Account LIMIT 1"


def test_expired_token_until_refreshed(sandbox: SalesforceSandbox, http: requests.Session) -> None:
    tokens = sandbox.issue_tokens()
    sf = connect(sandbox, tokens["access_token"])
    sf.query(QUERY)
    sandbox.add_fault("expired_token", path="^/services/data/")
    for _ in range(2):
        with pytest.raises(SalesforceExpiredSession) as info:
            sf.query(QUERY)
        assert first_error(info.value) == {
            "message": "Session expired or invalid",
            "errorCode": "INVALID_SESSION_ID",
        }
    renewed = refresh(sandbox, http, tokens["refresh_token"]).json()
    assert connect(sandbox, renewed["access_token"]).query(QUERY)["totalSize"] == 1


def test_expired_refresh_token_too(sandbox: SalesforceSandbox, http: requests.Session) -> None:
    tokens = sandbox.issue_tokens()
    sandbox.add_fault("expired_token", refresh_too=True)
    with pytest.raises(SalesforceExpiredSession):
        connect(sandbox, tokens["access_token"]).query(QUERY)
    answer = refresh(sandbox, http, tokens["refresh_token"])
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "invalid_grant",
        "error_description": "expired access/refresh token",
    }


def test_request_limit_fault_and_daily_limit(sf: Salesforce, sandbox: SalesforceSandbox) -> None:
    sandbox.add_fault("request_limit")
    with pytest.raises(SalesforceRefusedRequest) as info:
        sf.query(QUERY)
    assert info.value.status == 403
    assert first_error(info.value) == {
        "message": "TotalRequests Limit exceeded.",
        "errorCode": "REQUEST_LIMIT_EXCEEDED",
    }
    sf.query(QUERY)  # the fault fired once

    sandbox.set_config(daily_limit=10, api_usage=8)
    sf.query(QUERY)
    sf.query(QUERY)
    assert sf.api_usage["api-usage"].used == 10
    with pytest.raises(SalesforceRefusedRequest) as info:
        sf.query(QUERY)
    assert first_error(info.value)["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    sandbox.set_config(daily_limit=15000)
    assert sf.query(QUERY)["totalSize"] == 1


def test_row_lock_in_collections_clears_after_times(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    accounts = sandbox.records("Account")[:3]
    locked = accounts[1]["Id"]
    sandbox.add_fault("row_lock", ids=[locked[:15]], method="PATCH", path="composite", times=1)
    body = {
        "records": [
            {"attributes": {"type": "Account"}, "Id": a["Id"], "Phone": "555-0000"}
            for a in accounts
        ]
    }
    results = sf.restful("composite/sobjects", method="PATCH", json=body)
    assert [r["success"] for r in results] == [True, False, True]
    error = results[1]["errors"][0]
    assert error["statusCode"] == "UNABLE_TO_LOCK_ROW"
    assert error["message"] == (
        f"unable to obtain exclusive access to this record or 1 records: {locked}"
    )
    again = sf.restful("composite/sobjects", method="PATCH", json=body)
    assert [r["success"] for r in again] == [True, True, True]


def test_row_lock_on_single_calls_and_children(sf: Salesforce, sandbox: SalesforceSandbox) -> None:
    account = sandbox.records("Account")[0]["Id"]
    sandbox.add_fault("row_lock", ids=[account], times=2)
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Account.update(account, {"Phone": "1"})
    assert first_error(info.value)["errorCode"] == "UNABLE_TO_LOCK_ROW"
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Contact.create({"LastName": "Child", "AccountId": account})
    assert first_error(info.value)["errorCode"] == "UNABLE_TO_LOCK_ROW"
    assert sf.Account.update(account, {"Phone": "1"}) == 204


def test_row_lock_fails_bulk_rows(sf: Salesforce, sandbox: SalesforceSandbox) -> None:
    sandbox.add_fault("row_lock", method="PATCH", path="jobs/ingest")
    (result,) = sf.bulk2.Account.insert(records=[{"Name": "L1"}, {"Name": "L2"}], wait=0.05)
    assert result["numberRecordsFailed"] == 2
    text = sf.bulk2.Account.get_failed_records(result["job_id"])
    failed = list(csv.DictReader(io.StringIO(text)))
    assert failed[0]["sf__Error"].startswith("UNABLE_TO_LOCK_ROW:unable to obtain exclusive access")


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("server_unavailable", 503, "SERVER_UNAVAILABLE"),
        ("server_error", 500, "UNKNOWN_EXCEPTION"),
        ("rate_limit", 429, "TOO_MANY_REQUESTS"),
    ],
)
def test_server_faults(
    sf: Salesforce, sandbox: SalesforceSandbox, kind: str, status: int, code: str
) -> None:
    sandbox.add_fault(kind, times=2)
    for _ in range(2):
        with pytest.raises(SalesforceGeneralError) as info:
            sf.query(QUERY)
        assert info.value.status == status
        assert first_error(info.value)["errorCode"] == code
    assert sf.query(QUERY)["totalSize"] == 1


def test_rate_limit_says_when_to_retry(sandbox: SalesforceSandbox, http: requests.Session) -> None:
    sandbox.add_fault("rate_limit", retry_after=3)
    response = http.get(
        f"{sandbox.instance_url}/services/data/v62.0/limits",
        headers={"Authorization": f"Bearer {sandbox.issue_access_token()}"},
    )
    assert (response.status_code, response.headers["Retry-After"]) == (429, "3")


def test_delay_and_drop_after_commit(sf: Salesforce, sandbox: SalesforceSandbox) -> None:
    sandbox.add_fault("delay", seconds=0.3, path="/query")
    started = time.perf_counter()
    sf.query(QUERY)
    assert time.perf_counter() - started >= 0.3

    sandbox.add_fault("drop", method="POST", path="/sobjects/Account", after_commit=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.Account.create({"Name": "Written But Unanswered"})
    assert "Written But Unanswered" in {a["Name"] for a in sandbox.records("Account")}


def test_faults_through_the_admin_api(sandbox: SalesforceSandbox) -> None:
    admin = client_session(sandbox)
    admin.headers[ADMIN_HEADER] = sandbox.admin_token
    url = f"{sandbox.instance_url}/__sandbox/faults"
    posted = admin.post(url, json=[{"kind": "server_unavailable", "path": "query", "times": None}])
    assert posted.json()[0]["kind"] == "server_unavailable"
    sf = connect(sandbox)
    with pytest.raises(SalesforceGeneralError):
        sf.query(QUERY)
    with pytest.raises(SalesforceGeneralError):
        sf.query(QUERY)
    admin.delete(url)
    assert sf.query(QUERY)["totalSize"] == 1
    log = admin.get(f"{sandbox.instance_url}/__sandbox/requests").json()
    statuses = [entry["status"] for entry in log if entry["path"].endswith("/query/")]
    assert statuses == [503, 503, 200]
    with pytest.raises(ValueError, match="unknown fault kind"):
        sandbox.add_fault("meteor")
