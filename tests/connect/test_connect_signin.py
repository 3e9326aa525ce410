"""Salesforce sign-in against the sandbox, with requests playing the browser."""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import keyring
import pytest
import requests

from app.context import AppContext
from app.domain.errors import UserFacingError
from app.platform.credentials import Secret
from app.salesforce.oauth import (
    PRODUCTION_LOGIN_URL,
    SANDBOX_LOGIN_URL,
    LoginHostError,
    SalesforceOAuthError,
    SalesforceSignIn,
    challenge_for,
    new_verifier,
    normalize_login_url,
    save_sign_in,
)
from app.sandbox.salesforce import SalesforceSandbox
from app.sandbox.salesforce.oauth import challenge_for as sandbox_challenge
from app.store.settings import SALESFORCE_LOGIN_URL, SALESFORCE_USERNAME
from tests.connect.browser import Browser
from tests.connect.cli_run import CliRun
from tests.keyring_backends import LockedKeyring


def _sign_in(sandbox: SalesforceSandbox, port: int, **options: object) -> SalesforceSignIn:
    return SalesforceSignIn(
        sandbox.login_url,
        sandbox.client_id,
        port=port,
        verify=sandbox.ca_pem_path,
        **options,  # type: ignore[arg-type]
    )


def _in_background(target, *args):  # type: ignore[no-untyped-def]
    result: dict[str, object] = {}

    def run() -> None:
        try:
            result["value"] = target(*args)
        except Exception as exc:
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def _secrets_of(sandbox: SalesforceSandbox) -> list[str]:
    """Every token the sandbox ever issued."""
    rows = sandbox.org.store.select("SELECT token FROM oauth_tokens", ())
    return [row[0] for row in rows]


def _files_text(*paths: Path) -> str:
    text = ""
    for path in paths:
        for candidate in (path, Path(f"{path}-wal")):
            if candidate.exists():
                text += candidate.read_bytes().decode("latin-1")
    return text


def test_cli_sign_in_stores_only_what_it_should(
    salesforce: SalesforceSandbox,
    browser: Browser,
    port: int,
    capsys: pytest.CaptureFixture[str],
    data_dir: Path,
) -> None:
    run = CliRun(
        capsys,
        "-v",
        "connect",
        "salesforce",
        "--login-host",
        salesforce.login_url,
        "--client-id",
        salesforce.client_id,
        "--port",
        str(port),
        "--no-browser",
    )
    url = run.wait_for(r"(https://\S+/services/oauth2/authorize\?\S+)").group(1)
    page = browser.sign_in(url)
    assert run.finish() == 0, run.err
    assert page.status_code == 200
    assert "Signed in to Salesforce" in page.text
    assert salesforce.username in run.out and salesforce.org_id in run.out
    assert "Salesforce is missing fields" in run.out or "every object" in run.out

    ctx = AppContext.create(data_dir, console_level=None)
    try:
        refresh = ctx.credentials.get(Secret.SALESFORCE_REFRESH_TOKEN)
        assert refresh and refresh.startswith("5Aep")
        settings = ctx.store.settings()
        assert settings["salesforce.username"] == salesforce.username
        assert settings["salesforce.org_id"] == salesforce.org_id
        assert settings["salesforce.instance_url"] == salesforce.instance_url
        assert settings["salesforce.login_url"] == salesforce.login_url
        assert settings["salesforce.client_id"] == salesforce.client_id
    finally:
        ctx.close()

    query = parse_qs(urlsplit(page.url).query)
    secrets = [*_secrets_of(salesforce), query["code"][0]]
    stored = _files_text(ctx.paths.database, ctx.paths.log_file)
    assert "Signed in to Salesforce as" in stored  # the log was written...
    for secret in secrets:
        assert secret not in stored  # ...without a token, a code or a session id
        assert secret not in run.out + run.err


def test_sign_in_through_the_http_demo_login_page(
    salesforce: SalesforceSandbox, browser: Browser, port: int, ctx: AppContext
) -> None:
    assert salesforce.http_login_url is not None
    salesforce.set_config(login_url=salesforce.http_login_url)
    with SalesforceSignIn(
        salesforce.http_login_url, salesforce.client_id, port=port, verify=salesforce.ca_pem_path
    ) as sign_in:
        url = sign_in.start()
        assert url.startswith("http://localhost:")
        thread, result = _in_background(sign_in.wait)
        browser.sign_in(url)
        thread.join(10)
    signed_in = result["value"]
    save_sign_in(ctx.store, ctx.credentials, signed_in)  # type: ignore[arg-type]
    assert ctx.store.get(SALESFORCE_LOGIN_URL) == salesforce.http_login_url


def test_a_wrong_state_is_refused_and_the_right_one_still_works(
    salesforce: SalesforceSandbox, browser: Browser, port: int
) -> None:
    with _sign_in(salesforce, port) as sign_in:
        url = sign_in.start()
        thread, result = _in_background(sign_in.wait)
        forged = browser.open(f"{sign_in.redirect_uri}?code=forged&state=not-the-state")
        assert forged.status_code == 400
        assert "not for this sign-in" in forged.text
        assert browser.open(f"http://localhost:{port}/favicon.ico").status_code == 404
        assert thread.is_alive()
        page = browser.sign_in(url)
        thread.join(10)
    assert "Signed in" in page.text
    assert result["value"].identity.username == salesforce.username  # type: ignore[attr-defined]
    token_calls = [r for r in salesforce.requests() if r["path"].endswith("/oauth2/token")]
    assert len(token_calls) == 1


def test_access_denied_is_shown_plainly(
    salesforce: SalesforceSandbox, browser: Browser, port: int
) -> None:
    with _sign_in(salesforce, port) as sign_in:
        url = sign_in.start()
        thread, result = _in_background(sign_in.wait)
        page = browser.sign_in(url, decision="deny")
        thread.join(10)
    error = result["error"]
    assert isinstance(error, SalesforceOAuthError)
    assert error.oauth_error == "access_denied"
    assert error.error.title == "Salesforce access not allowed"
    assert "click Allow" in error.error.what_to_do
    assert "Salesforce access not allowed" in page.text


def test_a_taken_port_is_named(salesforce: SalesforceSandbox, port: int) -> None:
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", port))
        other_program.listen()
        sign_in = _sign_in(salesforce, port)
        with pytest.raises(UserFacingError) as caught:
            sign_in.start()
        sign_in.close()
    assert caught.value.error.code == "local.port_taken"
    assert str(port) in caught.value.error.what_happened


def test_cli_names_the_taken_port(
    salesforce: SalesforceSandbox, port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    from app import cli

    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", port))
        other_program.listen()
        code = cli.main(
            [
                "connect",
                "salesforce",
                "--login-host",
                salesforce.login_url,
                "--client-id",
                salesforce.client_id,
                "--port",
                str(port),
                "--no-browser",
            ]
        )
    assert code == 1
    assert f"port {port}" in capsys.readouterr().err


def test_no_answer_times_out_and_closes_the_listener(
    salesforce: SalesforceSandbox, port: int
) -> None:
    with _sign_in(salesforce, port, timeout_s=0.3) as sign_in:
        sign_in.start()
        with pytest.raises(UserFacingError) as caught:
            sign_in.wait()
    assert caught.value.error.code == "local.sign_in_timed_out"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/OauthRedirect?code=x&state=y", timeout=2)


def test_cancel_stops_the_wait(salesforce: SalesforceSandbox, port: int) -> None:
    with _sign_in(salesforce, port) as sign_in:
        sign_in.start()
        threading.Timer(0.2, sign_in.cancel).start()
        with pytest.raises(UserFacingError) as caught:
            sign_in.wait()
    assert caught.value.error.code == "local.sign_in_cancelled"


def test_a_replayed_callback_is_refused(
    salesforce: SalesforceSandbox, browser: Browser, port: int
) -> None:
    salesforce.set_config(auto_approve=True)
    with _sign_in(salesforce, port) as sign_in:
        url = sign_in.start()
        thread, _ = _in_background(sign_in.wait)
        callback = browser.http.get(url, allow_redirects=False, timeout=10).headers["Location"]
        first = _in_background(browser.open, callback)
        thread.join(10)
        replay = browser.open(callback)  # the listener is still open for the first page
        first[0].join(10)
    assert replay.status_code == 400
    assert "already used" in replay.text
    assert first[1]["value"].status_code == 200  # type: ignore[attr-defined]
    with pytest.raises(requests.ConnectionError):
        browser.open(callback)


def test_the_listener_binds_loopback_only(salesforce: SalesforceSandbox, port: int) -> None:
    with _sign_in(salesforce, port) as sign_in:
        sign_in.start()
        addresses = {s.socket.getsockname()[0] for s in sign_in._listener._servers}
    assert addresses <= {"127.0.0.1", "::1"}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("production", PRODUCTION_LOGIN_URL),
        ("Sandbox", SANDBOX_LOGIN_URL),
        ("https://acme.my.salesforce.com/", "https://acme.my.salesforce.com"),
        ("acme--uat.sandbox.my.salesforce.com", "https://acme--uat.sandbox.my.salesforce.com"),
        ("http://localhost:8443", "http://localhost:8443"),
        ("https://127.0.0.1:9000", "https://127.0.0.1:9000"),
    ],
)
def test_login_hosts_accepted(given: str, expected: str) -> None:
    assert normalize_login_url(given) == expected


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("http://acme.my.salesforce.com", "https://"),
        ("https://acme.example.com", "not a Salesforce address"),
        ("https://salesforce.com.evil.example", "not a Salesforce address"),
        ("https://acme.my.salesforce.com/home", "without a path"),
        ("https://acme.lightning.force.com", "https://acme.my.salesforce.com"),
        ("https://user:pw@acme.my.salesforce.com", "not a Salesforce sign-in address"),
    ],
)
def test_login_hosts_refused(given: str, says: str) -> None:
    with pytest.raises(LoginHostError, match=re.escape(says)):
        normalize_login_url(given)


def test_pkce_verifier_is_what_salesforce_accepts() -> None:
    for _ in range(50):
        verifier = new_verifier()
        assert "~" not in verifier
        assert 43 <= len(verifier) <= 128
        assert re.fullmatch(r"[A-Za-z0-9_-]+", verifier)
        assert challenge_for(verifier) == sandbox_challenge(verifier)


def test_the_authorize_link_asks_for_pkce_and_state(
    salesforce: SalesforceSandbox, port: int
) -> None:
    sign_in = _sign_in(salesforce, port)
    query = parse_qs(urlsplit(sign_in.url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["api refresh_token"]
    assert query["redirect_uri"] == [f"http://localhost:{port}/OauthRedirect"]
    assert len(query["state"][0]) >= 32
    other = _sign_in(salesforce, port)
    assert parse_qs(urlsplit(other.url).query)["state"] != query["state"]
    sign_in.close()
    other.close()


def test_verification_cannot_be_turned_off(salesforce: SalesforceSandbox, port: int) -> None:
    with pytest.raises(ValueError, match="cannot be turned off"):
        SalesforceSignIn(salesforce.login_url, salesforce.client_id, port=port, verify=False)


def test_a_locked_keyring_fails_the_sign_in_on_the_page_too(
    salesforce: SalesforceSandbox, browser: Browser, port: int, ctx: AppContext
) -> None:
    keyring.set_keyring(LockedKeyring())
    with _sign_in(salesforce, port) as sign_in:
        url = sign_in.start()
        thread, result = _in_background(
            sign_in.wait, lambda done: save_sign_in(ctx.store, ctx.credentials, done)
        )
        page = browser.sign_in(url)
        thread.join(10)
    error = result["error"]
    assert isinstance(error, UserFacingError)
    assert error.error.code == "local.keyring_locked"
    assert "Password store locked" in page.text
    assert not ctx.store.is_set(SALESFORCE_USERNAME)
