"""Staying signed in: refresh with rotation across restarts, and disconnecting."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import cli
from app.context import AppContext
from app.domain.errors import ErrorAction
from app.engine.connections import salesforce_from, trust_store
from app.platform.credentials import CredentialStore, Secret
from app.salesforce.client import SalesforceClient
from app.salesforce.oauth import (
    KeyringRefresherFactory,
    OAuthClient,
    SalesforceOAuthError,
    sign_out,
)
from app.sandbox.salesforce import SalesforceSandbox
from app.store.settings import SALESFORCE_INSTANCE_URL, SALESFORCE_USERNAME


def _client(ctx: AppContext) -> SalesforceClient:
    return salesforce_from(
        ctx.store,
        ctx.credentials,
        ctx.paths.data_dir,
        KeyringRefresherFactory(ctx.credentials),
    )


def _restart(data_dir: Path) -> AppContext:
    """A new process would build everything anew; the keyring is the one thing kept."""
    return AppContext.create(data_dir, console_level=None)


def test_refresh_with_rotation_keeps_working_across_restarts(
    salesforce: SalesforceSandbox, signed_in: AppContext, data_dir: Path
) -> None:
    salesforce.set_config(rotate_refresh_tokens=True)  # off unless the org turns it on
    first = signed_in.credentials.get(Secret.SALESFORCE_REFRESH_TOKEN)
    client = _client(signed_in)
    second = signed_in.credentials.get(Secret.SALESFORCE_REFRESH_TOKEN)
    assert second != first  # rotated, and the new one saved
    assert client.query_all("SELECT Id FROM Account LIMIT 1")

    salesforce.expire_tokens()
    assert client.limits()["DailyApiRequests"]["Max"] > 0
    third = signed_in.credentials.get(Secret.SALESFORCE_REFRESH_TOKEN)
    assert third not in (first, second)
    assert client.session.refreshes == 1

    for _ in range(2):
        restarted = _restart(data_dir)
        try:
            assert _client(restarted).query_all("SELECT Id FROM Product2 LIMIT 1")
        finally:
            restarted.close()

    oauth = OAuthClient(salesforce.login_url, salesforce.client_id, verify=salesforce.ca_pem_path)
    with pytest.raises(SalesforceOAuthError) as caught:
        oauth.refresh(first or "")
    assert caught.value.oauth_error == "invalid_grant"


def test_a_token_rotated_by_another_process_is_picked_up(
    salesforce: SalesforceSandbox, signed_in: AppContext
) -> None:
    salesforce.set_config(rotate_refresh_tokens=True)
    this_process = _client(signed_in)
    # Another process (the tray) refreshes meanwhile, rotating the token this one read.
    other = _client(signed_in)
    salesforce.expire_tokens()
    assert other.limits()
    assert this_process.limits()  # refreshed with the token the other process saved


def test_refresh_without_rotation_keeps_the_token(
    salesforce: SalesforceSandbox, signed_in: AppContext
) -> None:
    salesforce.set_config(rotate_refresh_tokens=False)
    before = signed_in.credentials.get(Secret.SALESFORCE_REFRESH_TOKEN)
    _client(signed_in)
    assert signed_in.credentials.get(Secret.SALESFORCE_REFRESH_TOKEN) == before


def test_disconnect_revokes_the_sign_in(
    salesforce: SalesforceSandbox, signed_in: AppContext
) -> None:
    token = signed_in.credentials.get(Secret.SALESFORCE_REFRESH_TOKEN)
    result = sign_out(
        signed_in.store, signed_in.credentials, verify=trust_store(signed_in.paths.data_dir)
    )
    assert result.revoked and result.problem is None
    assert signed_in.credentials.get(Secret.SALESFORCE_REFRESH_TOKEN) is None
    assert not signed_in.store.is_set(SALESFORCE_USERNAME)
    assert not signed_in.store.is_set(SALESFORCE_INSTANCE_URL)
    revokes = [r for r in salesforce.requests() if r["path"].endswith("/oauth2/revoke")]
    assert len(revokes) == 1
    oauth = OAuthClient(salesforce.login_url, salesforce.client_id, verify=salesforce.ca_pem_path)
    with pytest.raises(SalesforceOAuthError):
        oauth.refresh(token or "")


def test_cli_disconnect_salesforce(
    salesforce: SalesforceSandbox,
    signed_in: AppContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = signed_in.credentials.get(Secret.SALESFORCE_REFRESH_TOKEN)
    signed_in.close()
    assert cli.main(["disconnect", "salesforce"]) == 0
    assert "Signed out of Salesforce" in capsys.readouterr().out
    assert CredentialStore().get(Secret.SALESFORCE_REFRESH_TOKEN) is None
    oauth = OAuthClient(salesforce.login_url, salesforce.client_id, verify=salesforce.ca_pem_path)
    with pytest.raises(SalesforceOAuthError):
        oauth.refresh(token or "")


def test_disconnect_without_salesforce_still_forgets(
    salesforce: SalesforceSandbox, signed_in: AppContext
) -> None:
    salesforce.add_fault("drop", path="/services/oauth2/revoke", times=None)
    result = sign_out(
        signed_in.store, signed_in.credentials, verify=trust_store(signed_in.paths.data_dir)
    )
    assert not result.revoked
    assert result.problem is not None and result.problem.code == "local.no_network"
    assert signed_in.credentials.get(Secret.SALESFORCE_REFRESH_TOKEN) is None


def test_a_revoked_sign_in_asks_to_reconnect(
    salesforce: SalesforceSandbox, signed_in: AppContext
) -> None:
    salesforce.expire_tokens(refresh_too=True)
    with pytest.raises(SalesforceOAuthError) as caught:
        _client(signed_in)
    assert caught.value.error.action is ErrorAction.RECONNECT_SALESFORCE
    assert caught.value.error.title == "Salesforce sign-in expired"
