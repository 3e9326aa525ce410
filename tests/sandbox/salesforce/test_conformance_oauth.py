"""What the sandbox promises about refresh tokens, each from Salesforce's documentation."""

from __future__ import annotations

import requests
from sf_helpers import refresh

from app.sandbox.salesforce import SalesforceSandbox


def test_a_refresh_keeps_the_refresh_token_unless_rotation_is_on(
    sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """Salesforce Help, "OAuth 2.0 Refresh Token Flow": the response has no new refresh token
    unless the app turned on refresh token rotation, which is off by default.
    https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_refresh_token_flow.htm&type=5
    """
    token = sandbox.issue_tokens()["refresh_token"]
    for _ in range(2):
        body = refresh(sandbox, http, token).json()
        assert "access_token" in body
        assert "refresh_token" not in body


def test_with_rotation_on_each_refresh_retires_the_old_refresh_token(
    sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """Salesforce Help, "Configure Refresh Token Rotation for a Connected App".
    https://help.salesforce.com/s/articleView?id=xcloud.connected_app_refresh_token_rotation.htm&type=5
    """
    sandbox.set_config(rotate_refresh_tokens=True)
    token = sandbox.issue_tokens()["refresh_token"]
    rotated = refresh(sandbox, http, token).json()["refresh_token"]
    assert rotated != token
    assert refresh(sandbox, http, token).json()["error"] == "invalid_grant"
