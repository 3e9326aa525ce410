"""What the sandbox promises about API limits and versions, each from Salesforce's documentation."""

from __future__ import annotations

import time

import requests
from sf_helpers import API_VERSION

from app.sandbox.salesforce import SalesforceSandbox


def _get(
    sandbox: SalesforceSandbox, http: requests.Session, version: str, path: str
) -> requests.Response:
    headers = {"Authorization": f"Bearer {sandbox.issue_access_token()}"}
    return http.get(f"{sandbox.instance_url}/services/data/v{version}/{path}", headers=headers)


def _calls_minutes_ago(sandbox: SalesforceSandbox, minutes: int, calls: int) -> None:
    """Calls recorded as made `minutes` ago (the sandbox keeps them per minute)."""
    minute = int(time.time() // 60) - minutes
    sandbox.org.store.execute(
        "INSERT INTO api_usage (minute, calls, batches) VALUES (?, ?, 0)", (minute, calls)
    )


def test_the_daily_api_allowance_is_a_rolling_24_hours(
    sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """Salesforce Developer Limits and Allocations Quick Reference, "API Request Limits and
    Allocations": requests are counted per rolling 24-hour period, not per calendar day.
    https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm
    """
    sandbox.set_config(daily_limit=100, api_usage=0)
    _calls_minutes_ago(sandbox, 23 * 60, 99)  # still inside the window
    _calls_minutes_ago(sandbox, 25 * 60, 500)  # outside it
    assert _get(sandbox, http, API_VERSION, "limits/").status_code == 200
    refused = _get(sandbox, http, API_VERSION, "limits/")
    assert (refused.status_code, refused.json()[0]["errorCode"]) == (403, "REQUEST_LIMIT_EXCEEDED")


def test_a_version_newer_than_the_release_is_not_found(
    sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """REST API Developer Guide, "Status Codes and Error Responses": 404 NOT_FOUND.
    https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
    """
    response = _get(sandbox, http, "99.0", "limits/")
    assert response.status_code == 404
    assert response.json() == [
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}
    ]


def test_a_retired_version_is_gone(sandbox: SalesforceSandbox, http: requests.Session) -> None:
    """Salesforce Help, "Salesforce Platform API Versions 21.0 through 30.0 Retirement": REST API
    returns 410 GONE for retired versions (7.0 through 30.0).
    https://help.salesforce.com/s/articleView?id=000354473&type=1
    """
    assert _get(sandbox, http, "20.0", "limits/").status_code == 410
    assert _get(sandbox, http, "30.0", "limits/").status_code == 410
    assert _get(sandbox, http, "31.0", "limits/").status_code == 200
