"""The OAuth web server flow with PKCE, refresh with rotation, revoke and userinfo, over HTTPS."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sf_helpers import client_session, connect, first_error, refresh
from simple_salesforce.exceptions import SalesforceExpiredSession

from app.sandbox._http import ADMIN_HEADER
from app.sandbox.salesforce import SalesforceSandbox

CALLBACK = "http://localhost:1717/OauthRedirect"


def pkce() -> tuple[str, str]:
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(sandbox: SalesforceSandbox, challenge: str, **extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": sandbox.client_id,
        "redirect_uri": CALLBACK,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "st-123",
        "scope": "api refresh_token",
        "prompt": "login",
        **extra,
    }


def callback_query(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def sign_in(sandbox: SalesforceSandbox, http: requests.Session, challenge: str) -> str:
    """Through the sign-in page: read the form, press Allow, return the code."""
    url = f"{sandbox.login_url}/services/oauth2/authorize"
    page = http.get(url, params=authorize_params(sandbox, challenge), allow_redirects=False)
    assert page.status_code == 200
    assert "text/html" in page.headers["Content-Type"]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    assert fields["username"] == sandbox.username
    assert fields["password"] == sandbox.password
    answer = http.post(url, data={**fields, "decision": "allow"}, allow_redirects=False)
    query = callback_query(answer)
    assert query["state"] == "st-123"
    return query["code"]


def exchange(
    sandbox: SalesforceSandbox, http: requests.Session, code: str, verifier: str, **extra: str
) -> requests.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": sandbox.client_id,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
        **extra,
    }
    return http.post(f"{sandbox.login_url}/services/oauth2/token", data=form)


def oauth_error(response: requests.Response) -> tuple[int, str, str]:
    body: dict[str, Any] = response.json()
    return response.status_code, body["error"], body["error_description"]


def test_code_flow_with_pkce(sandbox: SalesforceSandbox, http: requests.Session) -> None:
    verifier, challenge = pkce()
    code = sign_in(sandbox, http, challenge)
    response = exchange(sandbox, http, code, verifier)
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {
        "access_token",
        "refresh_token",
        "signature",
        "scope",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
    }
    assert tokens["token_type"] == "Bearer"
    assert tokens["instance_url"] == sandbox.instance_url
    assert tokens["id"] == f"{sandbox.login_url}/id/{sandbox.org_id}/{sandbox.user_id}"
    assert tokens["access_token"].startswith(sandbox.org_id[:15] + "!")
    assert tokens["issued_at"].isdigit()
    sf = connect(sandbox, tokens["access_token"])
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] > 0

    replay = exchange(sandbox, http, code, verifier)
    assert oauth_error(replay) == (400, "invalid_grant", "expired authorization code")


def test_wrong_verifier_and_wrong_redirect_are_rejected(
    sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    sandbox.set_config(auto_approve=True)
    verifier, challenge = pkce()
    url = f"{sandbox.login_url}/services/oauth2/authorize"

    def new_code() -> str:
        answer = http.get(url, params=authorize_params(sandbox, challenge), allow_redirects=False)
        return callback_query(answer)["code"]

    wrong = exchange(sandbox, http, new_code(), pkce()[0])
    assert oauth_error(wrong) == (400, "invalid_grant", "invalid code verifier")
    moved = exchange(sandbox, http, new_code(), verifier, redirect_uri="http://localhost:1718/cb")
    assert oauth_error(moved)[:2] == (400, "redirect_uri_mismatch")
    client = exchange(sandbox, http, new_code(), verifier, client_id="3MVG9someoneelse")
    assert oauth_error(client) == (400, "invalid_client_id", "client identifier invalid")
    unknown = exchange(sandbox, http, "aPrxnothing==", verifier)
    assert oauth_error(unknown)[:2] == (400, "invalid_grant")

    tilde = "a~" + verifier[2:]
    tilde_challenge = base64.urlsafe_b64encode(hashlib.sha256(tilde.encode()).digest())
    answer = http.get(
        url,
        params=authorize_params(sandbox, tilde_challenge.rstrip(b"=").decode()),
        allow_redirects=False,
    )
    refused = exchange(sandbox, http, callback_query(answer)["code"], tilde)
    assert oauth_error(refused) == (400, "invalid_grant", "invalid code verifier")

    sandbox.set_config(code_ttl_seconds=0)
    late = exchange(sandbox, http, new_code(), verifier)
    assert oauth_error(late) == (400, "invalid_grant", "expired authorization code")


def test_authorize_errors(sandbox: SalesforceSandbox, http: requests.Session) -> None:
    _, challenge = pkce()
    url = f"{sandbox.login_url}/services/oauth2/authorize"
    page = http.get(
        url, params=authorize_params(sandbox, challenge, redirect_uri="http://evil.example/cb")
    )
    assert page.status_code == 400
    assert "redirect_uri_mismatch" in page.text
    page = http.get(url, params=authorize_params(sandbox, challenge, client_id="nobody"))
    assert page.status_code == 400
    assert "invalid_client_id" in page.text
    params = authorize_params(sandbox, challenge)
    del params["code_challenge"], params["code_challenge_method"]
    no_pkce = callback_query(http.get(url, params=params, allow_redirects=False))
    assert no_pkce["error"] == "invalid_request"

    fields = authorize_params(sandbox, challenge)
    denied = http.post(url, data={**fields, "decision": "deny"}, allow_redirects=False)
    assert callback_query(denied) == {
        "error": "access_denied",
        "error_description": "end-user denied authorization",
        "state": "st-123",
    }
    wrong_password = http.post(
        url,
        data={**fields, "username": sandbox.username, "password": "nope", "decision": "allow"},
        allow_redirects=False,
    )
    assert wrong_password.status_code == 200
    assert "Please check your username and password" in wrong_password.text


def test_auto_approve_through_the_admin_api(
    sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    admin = f"{sandbox.instance_url}/__sandbox/config"
    token = {ADMIN_HEADER: sandbox.admin_token}
    assert http.post(admin, json={"auto_approve": True}).status_code == 403
    answer = http.post(admin, json={"auto_approve": True}, headers=token)
    assert answer.json()["auto_approve"] is True
    bad = http.post(admin, json={"auto_aprove": True}, headers=token)
    assert bad.status_code == 400
    _, challenge = pkce()
    direct = http.get(
        f"{sandbox.login_url}/services/oauth2/authorize",
        params=authorize_params(sandbox, challenge),
        allow_redirects=False,
    )
    assert set(callback_query(direct)) == {"code", "state"}


def test_refresh_with_rotation(sandbox: SalesforceSandbox, http: requests.Session) -> None:
    sandbox.set_config(rotate_refresh_tokens=True)  # off unless the org turns it on
    first = sandbox.issue_tokens()
    renewed = refresh(sandbox, http, first["refresh_token"])
    assert renewed.status_code == 200
    body = renewed.json()
    assert body["refresh_token"] != first["refresh_token"]
    assert "expires_in" not in body
    old = refresh(sandbox, http, first["refresh_token"])
    assert oauth_error(old) == (400, "invalid_grant", "expired access/refresh token")
    assert refresh(sandbox, http, body["refresh_token"]).status_code == 200
    sf = connect(sandbox, body["access_token"])
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] > 0


def test_refresh_without_rotation_keeps_the_refresh_token() -> None:
    small = {"qb_customers": 1, "items": 1, "opportunities": 0}
    with SalesforceSandbox(**small, rotate_refresh_tokens=False) as sb:
        session = client_session(sb)
        first = sb.issue_tokens()
        for _ in range(2):
            body = refresh(sb, session, first["refresh_token"]).json()
            assert "refresh_token" not in body
            assert body["access_token"] != first["access_token"]


def test_revoke_refresh_token_ends_its_access_tokens(
    sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    tokens = sandbox.issue_tokens()
    other = sandbox.issue_access_token()
    sf = connect(sandbox, tokens["access_token"])
    sf.query("SELECT Id FROM Account LIMIT 1")
    revoke = f"{sandbox.login_url}/services/oauth2/revoke"
    assert http.post(revoke, data={"token": tokens["refresh_token"]}).status_code == 200
    with pytest.raises(SalesforceExpiredSession) as info:
        sf.query("SELECT Id FROM Account LIMIT 1")
    assert info.value.status == 401
    assert info.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    assert connect(sandbox, other).query("SELECT COUNT() FROM Account")["totalSize"] > 0
    assert oauth_error(refresh(sandbox, http, tokens["refresh_token"]))[1] == "invalid_grant"
    again = http.post(revoke, data={"token": tokens["refresh_token"]})
    assert oauth_error(again)[:2] == (400, "invalid_token")
    assert http.post(revoke, data={"token": other}).status_code == 200
    with pytest.raises(SalesforceExpiredSession):
        connect(sandbox, other).query("SELECT Id FROM Account LIMIT 1")


def test_expired_access_token_is_401_until_refreshed(
    sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    tokens = sandbox.issue_tokens()
    sandbox.set_config(session_seconds=0)
    with pytest.raises(SalesforceExpiredSession) as info:
        connect(sandbox, tokens["access_token"]).query("SELECT Id FROM Account")
    assert first_error(info.value)["errorCode"] == "INVALID_SESSION_ID"
    sandbox.set_config(session_seconds=7200)
    fresh = refresh(sandbox, http, tokens["refresh_token"]).json()["access_token"]
    assert connect(sandbox, fresh).query("SELECT COUNT() FROM Account")["totalSize"] > 0


def test_userinfo_and_identity(sandbox: SalesforceSandbox, http: requests.Session) -> None:
    tokens = sandbox.issue_tokens()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    info = http.get(f"{sandbox.instance_url}/services/oauth2/userinfo", headers=headers).json()
    assert info["preferred_username"] == sandbox.username
    assert info["user_id"] == sandbox.user_id
    assert info["organization_id"] == sandbox.org_id
    assert info["name"] == "Dana Reyes"
    identity = http.get(tokens["id"], headers=headers).json()
    assert identity["username"] == sandbox.username
    assert identity["display_name"] == "Dana Reyes"
    bad = http.get(
        f"{sandbox.instance_url}/services/oauth2/userinfo",
        headers={"Authorization": "Bearer nope"},
    )
    assert (bad.status_code, bad.text) == (403, "Bad_OAuth_Token")


def test_untrusted_client_gets_an_ssl_error(sandbox: SalesforceSandbox) -> None:
    session = requests.Session()
    session.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        session.get(f"{sandbox.instance_url}/services/data/", timeout=5)


def test_plain_http_login_port_for_the_browser() -> None:
    with SalesforceSandbox(qb_customers=1, items=1, opportunities=0, http_login_port=0) as sb:
        assert sb.http_login_url is not None
        assert sb.http_login_url.startswith("http://localhost:")
        _, challenge = pkce()
        browser = requests.Session()
        browser.trust_env = False
        page = browser.get(
            f"{sb.http_login_url}/services/oauth2/authorize",
            params=authorize_params(sb, challenge),
            allow_redirects=False,
            timeout=5,
        )
        assert page.status_code == 200
        assert 'action="/services/oauth2/authorize"' in page.text
