"""A saved Salesforce sign-in revoked at Salesforce: every engine command, run unattended, says
to sign in again in the catalog's words and exits 3, with no traceback."""

from __future__ import annotations

import pytest

from app import cli
from app.commands.engine_access import open_cli_engine
from app.commands.exit_codes import ExitCode
from app.context import AppContext
from app.domain.errors import ErrorAction, from_oauth
from app.engine.result import RunStatus
from app.platform.credentials import Secret
from app.salesforce.oauth import OAuthClient
from app.sandbox.salesforce import SalesforceSandbox

#: What Salesforce's token endpoint answers for a refresh token it revoked.
SIGN_IN_AGAIN = from_oauth("invalid_grant", "expired access/refresh token")


def _revoke_saved_sign_in(salesforce: SalesforceSandbox, ctx: AppContext) -> None:
    """Revoked at Salesforce (an administrator, or a sign-out elsewhere); this PC keeps it."""
    token = ctx.credentials.get(Secret.SALESFORCE_REFRESH_TOKEN)
    assert token
    oauth = OAuthClient(salesforce.login_url, salesforce.client_id, verify=salesforce.ca_pem_path)
    try:
        oauth.revoke(token)
    finally:
        oauth.close()
    assert ctx.credentials.get(Secret.SALESFORCE_REFRESH_TOKEN) == token


@pytest.mark.parametrize(
    "command",
    [["sync"], ["reconcile"], ["preview"], ["review", "list"]],
    ids=["sync", "reconcile", "preview", "review-list"],
)
def test_a_revoked_sign_in_says_sign_in_again_and_exits_3(
    salesforce: SalesforceSandbox,
    connected: AppContext,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    _revoke_saved_sign_in(salesforce, connected)
    connected.close()
    capsys.readouterr()

    code = cli.main(command)

    out = capsys.readouterr()
    assert code == ExitCode.NEEDS_ATTENTION, out.out + out.err
    assert SIGN_IN_AGAIN.action is ErrorAction.RECONNECT_SALESFORCE
    for words in (SIGN_IN_AGAIN.title, SIGN_IN_AGAIN.what_happened, SIGN_IN_AGAIN.what_to_do):
        assert words in out.err, out.err
    assert "Traceback" not in out.err and 'File "' not in out.err
    refreshes = [r for r in salesforce.requests() if r["path"].endswith("/oauth2/token")]
    assert refreshes, "the command tried the saved sign-in"
    data_calls = [r for r in salesforce.requests() if "/services/data/" in r["path"]]
    assert data_calls == [], "nothing reached Salesforce's data without a sign-in"


def test_a_sign_in_revoked_during_a_run_stops_it_for_attention(
    salesforce: SalesforceSandbox, connected: AppContext
) -> None:
    engine = open_cli_engine(connected)
    _revoke_saved_sign_in(salesforce, connected)
    salesforce.expire_tokens()  # the access token in hand stops working too

    result = engine.run(["items"], trigger="schedule")

    assert result.status is RunStatus.NEEDS_ATTENTION
    assert result.error is not None
    assert result.error.code == SIGN_IN_AGAIN.code
    assert result.error.title == SIGN_IN_AGAIN.title
    run = connected.store.get_run(result.run_id)
    assert run is not None and run.status == RunStatus.NEEDS_ATTENTION.value
    assert run.message == SIGN_IN_AGAIN.title
