"""Helpers for the Salesforce sandbox tests: clients built the way the app builds them."""

from __future__ import annotations

from typing import Any

import requests
from simple_salesforce import Salesforce

from app.sandbox.salesforce import SalesforceSandbox

API_VERSION = "62.0"


def client_session(sandbox: SalesforceSandbox) -> requests.Session:
    session = requests.Session()
    session.verify = sandbox.ca_pem_path
    session.trust_env = False
    return session


def connect(sandbox: SalesforceSandbox, token: str | None = None) -> Salesforce:
    return Salesforce(
        instance_url=sandbox.instance_url,
        session_id=token or sandbox.issue_access_token(),
        session=client_session(sandbox),
        version=API_VERSION,
    )


def first_error(exc: Any) -> dict[str, Any]:
    """The first entry of a simple-salesforce exception's parsed error list."""
    return exc.content[0]


def refresh(sandbox: SalesforceSandbox, http: requests.Session, token: str) -> requests.Response:
    """The token endpoint's refresh_token grant, as the app's session calls it."""
    form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": sandbox.client_id}
    return http.post(f"{sandbox.login_url}/services/oauth2/token", data=form)
