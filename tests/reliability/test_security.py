"""Security: no key or token in logs, the database, error texts or exports; the sign-in refuses
a wrong `state` and a replayed code, and listens on loopback only, once; TLS is always verified;
the app's files are owner-only.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import sqlite3
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

import app.logs
from app import cli
from app.commands.exit_codes import ExitCode
from app.domain.errors import UserFacingError
from app.platform.credentials import CredentialStore, Secret
from app.salesforce.loopback import LoopbackListener
from app.salesforce.oauth import OAuthClient, SalesforceOAuthError, SalesforceSignIn
from app.sandbox.launcher import Sandboxes
from app.store import open_store
from app.store.settings import (
    CONDUCTOR_BASE_URL,
    CONDUCTOR_END_USER_ID,
    SALESFORCE_CLIENT_ID,
    SALESFORCE_INSTANCE_URL,
    SALESFORCE_LOGIN_URL,
    SELF_TEST_PROBE,
)
from tests.connect.browser import Browser
from tests.reliability.harness import SalesforceUser, cli_env, run_cli, small_world

pytestmark = pytest.mark.slow

#: Shapes of secrets, whatever their value: Conductor keys, Salesforce sessions and refresh tokens.
SECRET_SHAPES = re.compile(r"sk_(test|live)_[0-9a-f]{8,}|00D\w{12,15}![\w.]{8,}|5Aep\w{20,}")


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[Sandboxes]:
    with small_world(seed=931) as running:
        yield running


def _secrets(sandboxes: Sandboxes, *more: str) -> set[str]:
    tokens = {
        row[0] for row in sandboxes.salesforce.org.store.select("SELECT token FROM oauth_tokens")
    }
    return {
        sandboxes.conductor.secret_key,
        sandboxes.conductor.admin_token,
        sandboxes.salesforce.admin_token,
        *tokens,
        *more,
    } - {""}


def _leaks(text: str, secrets: set[str]) -> list[str]:
    found = [f"…{s[-6:]}" for s in secrets if s in text]
    found += [m.group(0)[:12] + "…" for m in SECRET_SHAPES.finditer(text)]
    return found


def _everything_written(data_dir: Path, *extra: Path) -> dict[str, str]:
    texts = {}
    for path in [*data_dir.rglob("*"), *extra]:
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    return texts


def test_no_secret_in_logs_database_output_errors_or_exports(
    sandboxes: Sandboxes, tmp_path: Path
) -> None:
    data_dir = tmp_path / "run"
    env = cli_env(sandboxes)
    outputs = []
    user = SalesforceUser(sandboxes)
    for args in (
        ("-v", "sync"),
        ("-v", "review", "list"),
        ("-v", "history", "1", "--csv", str(tmp_path / "run1.csv")),
        ("-v", "status"),
    ):
        result = run_cli(env, data_dir, *args)
        outputs.append(result.stdout + result.stderr)
    account = next(
        a for a in sandboxes.salesforce.records("Account") if a.get("QuickBooks_Customer_Id__c")
    )
    product = next(
        p for p in sandboxes.salesforce.records("Product2") if p.get("QuickBooks_Item_Id__c")
    )
    opportunity = user.won_opportunity(account["Id"], [(product["Id"], 12.5)], "Security order")
    outputs.append(run_cli(env, data_dir, "-v", "review", "list").stdout)
    outputs.append(run_cli(env, data_dir, "-v", "review", "approve", opportunity).stdout)
    # Failures carry exception texts and details: a refused key, an expired session.
    wrong_key = {**env, "QBSF_CONDUCTOR_SECRET_KEY": "sk_test_" + "0" * 32}
    refused = run_cli(wrong_key, data_dir, "-v", "sync")
    assert "Conductor" in refused.stdout + refused.stderr, refused.stdout
    outputs.append(str(refused))
    sandboxes.salesforce.expire_tokens()
    expired = run_cli(env, data_dir, "-v", "sync")
    assert "sign-in" in expired.stdout, expired.stdout
    outputs.append(str(expired))
    outputs.append(str(run_cli(env, data_dir, "-v", "history", "--csv", str(tmp_path / "all.csv"))))
    last = _last_run(data_dir)
    run_cli(env, data_dir, "history", str(last), "--csv", str(tmp_path / "last.csv"))

    secrets = _secrets(sandboxes, wrong_key["QBSF_CONDUCTOR_SECRET_KEY"])
    written = _everything_written(data_dir, *tmp_path.glob("*.csv"))
    assert any("qbsf.log" in name for name in written)
    assert any("DEBUG" in text for name, text in written.items() if "qbsf.log" in name), (
        "the log ran at DEBUG"
    )
    leaks = {name: _leaks(text, secrets) for name, text in written.items()}
    leaks.update({f"output {n}": _leaks(text, secrets) for n, text in enumerate(outputs)})
    assert {k: v for k, v in leaks.items() if v} == {}


def _last_run(data_dir: Path) -> int:
    conn = sqlite3.connect(f"file:{data_dir / 'sync.sqlite3'}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT max(id) FROM runs").fetchone()[0])
    finally:
        conn.close()


def test_no_secret_when_the_keyring_sign_in_refreshes_and_rotates(
    sandboxes: Sandboxes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The installed way: secrets in the keyring, the access token refreshed (and the refresh
    token rotated) during the run, DEBUG logs on."""
    info = sandboxes.info()
    tokens = sandboxes.salesforce.issue_tokens()
    credentials = CredentialStore()
    credentials.set(Secret.CONDUCTOR_SECRET_KEY, info["conductor_secret_key"])
    credentials.set(Secret.SALESFORCE_REFRESH_TOKEN, tokens["refresh_token"])
    data_dir = tmp_path / "installed"
    store = open_store(data_dir / "sync.sqlite3")
    store.set(CONDUCTOR_BASE_URL, info["conductor_base_url"])
    store.set(CONDUCTOR_END_USER_ID, info["conductor_end_user_id"])
    store.set(SALESFORCE_INSTANCE_URL, info["salesforce_instance_url"])
    store.set(SALESFORCE_LOGIN_URL, info["salesforce_login_url"])
    store.set(SALESFORCE_CLIENT_ID, info["salesforce_client_id"])
    store.close()
    monkeypatch.setenv("QBSF_CA_BUNDLE", info["ca_bundle"])
    sandboxes.salesforce.add_fault("expired_token", path="composite", times=1)
    sandboxes.salesforce.set_config(rotate_refresh_tokens=True)  # off unless the org turns it on
    try:
        code = cli.main(["-v", "--data-dir", str(data_dir), "sync"])
    finally:
        sandboxes.salesforce.set_config(rotate_refresh_tokens=False)
    output = capsys.readouterr()
    assert code == ExitCode.OK, output.out + output.err
    rotated = credentials.get(Secret.SALESFORCE_REFRESH_TOKEN)
    # Compared apart, so a failure never prints a token.
    rotated_and_saved = bool(rotated) and rotated != tokens["refresh_token"]
    assert rotated_and_saved, "the refresh token rotated"
    logging.shutdown()
    secrets = _secrets(sandboxes, rotated, tokens["refresh_token"])
    written = _everything_written(data_dir)
    leaks = {name: _leaks(text, secrets) for name, text in written.items()}
    leaks["output"] = _leaks(output.out + output.err, secrets)
    assert {k: v for k, v in leaks.items() if v} == {}


# -- the sign-in ----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_the_loopback_listener_refuses_a_wrong_state_and_answers_once(tmp_path: Path) -> None:
    port = _free_port()
    listener = LoopbackListener(port, "the-right-state", page_wait_s=0.2)
    with listener:
        base = f"http://127.0.0.1:{port}/OauthRedirect"
        assert _get(f"{base}?code=stolen&state=another-state") == 400
        assert _get(f"{base}?code=stolen") == 400
        assert listener.wait(0.05) is None, "nothing accepted yet"
        assert _get(f"{base}?code=good&state=the-right-state") == 200
        callback = listener.wait(1)
        assert callback is not None and callback.code == "good"
        assert _get(f"{base}?code=replayed&state=the-right-state") == 400
        assert listener.wait(0.05).code == "good", "the first answer stands"
        addresses = {server.server_address[0] for server in listener._servers}
        assert addresses <= {"127.0.0.1", "::1"}
        outside = _outside_address()
        if outside is not None:
            with pytest.raises(OSError), socket.create_connection((outside, port), timeout=2):
                pass
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass  # closed once the sign-in is over
    assert len(listener.refused) == 3


def _outside_address() -> str | None:
    """This computer's address on its network, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_a_replayed_sign_in_code_is_refused(sandboxes: Sandboxes) -> None:
    port = _free_port()
    salesforce = sandboxes.salesforce
    salesforce.set_config(
        redirect_uris=[f"http://localhost:{port}/OauthRedirect"], auto_approve=True
    )
    sign_in = SalesforceSignIn(
        salesforce.login_url, salesforce.client_id, port=port, verify=salesforce.ca_pem_path
    )
    seen: dict[str, str] = {}
    original = sign_in._listener.handle

    def spy(path: str):  # type: ignore[no-untyped-def]
        seen["path"] = path
        return original(path)

    sign_in._listener.handle = spy  # type: ignore[method-assign]
    with sign_in:
        url = sign_in.start()
        threading.Thread(target=Browser(salesforce).sign_in, args=(url,), daemon=True).start()
        signed_in = sign_in.wait()
    assert signed_in.tokens.refresh_token
    code = re.search(r"[?&]code=([^&]+)", seen["path"])
    assert code is not None
    replay = OAuthClient(salesforce.login_url, salesforce.client_id, verify=salesforce.ca_pem_path)
    with pytest.raises(SalesforceOAuthError) as refused:
        replay.exchange_code(
            requests.utils.unquote(code.group(1)), sign_in._verifier, sign_in.redirect_uri
        )
    replay.close()
    assert refused.value.oauth_error == "invalid_grant"


# -- TLS ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "loosening",
    [{}, {"CURL_CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": "", "PYTHONHTTPSVERIFY": "0"}],
    ids=["plain", "environment-tries-to-loosen-it"],
)
def test_a_salesforce_with_an_untrusted_certificate_is_refused(
    sandboxes: Sandboxes, tmp_path: Path, loosening: dict[str, str]
) -> None:
    env = {k: v for k, v in cli_env(sandboxes).items() if k != "QBSF_CA_BUNDLE"}
    env.update(loosening)
    served = len(sandboxes.salesforce.requests())
    result = run_cli(env, tmp_path, "sync")
    assert result.returncode != ExitCode.OK
    assert "Traceback" not in result.stderr
    assert "Salesforce's identity could not be checked" in result.stdout, result.stdout
    assert len(sandboxes.salesforce.requests()) == served, "not one request got through"


def test_tls_verification_cannot_be_switched_off(sandboxes: Sandboxes) -> None:
    with pytest.raises(ValueError, match="cannot be turned off"):
        OAuthClient(sandboxes.salesforce.login_url, sandboxes.salesforce.client_id, verify=False)
    untrusted = SalesforceSignIn(
        sandboxes.salesforce.login_url, sandboxes.salesforce.client_id, port=_free_port()
    )
    with untrusted, pytest.raises(UserFacingError):
        untrusted._oauth.exchange_code("any", untrusted._verifier, untrusted.redirect_uri)


# -- files ----------------------------------------------------------------------------------
def test_data_files_are_owner_only(
    sandboxes: Sandboxes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    data_dir = tmp_path / "fresh"
    assert run_cli(cli_env(sandboxes), data_dir, "-v", "sync").returncode == ExitCode.OK
    checked = [data_dir, data_dir / "logs", data_dir / "sync.sqlite3", *data_dir.glob("logs/*")]
    # While the app runs: the database with its write-ahead log and shared memory.
    store = open_store(tmp_path / "open" / "sync.sqlite3")
    store.set(SELF_TEST_PROBE, 1)
    checked += [*(tmp_path / "open").iterdir()]
    assert any(p.name.endswith("-wal") for p in checked)
    # After the log has rolled over.
    monkeypatch.setattr(app.logs, "MAX_BYTES", 500)
    app.logs.setup_logging(tmp_path / "rolled", console_level=None)
    for n in range(50):
        logging.getLogger("qbsf.test").info("line %d %s", n, "x" * 40)
    checked += [*(tmp_path / "rolled").iterdir()]
    assert len(list((tmp_path / "rolled").iterdir())) > 2
    for path in checked:
        mode = path.stat().st_mode & 0o777
        assert mode & 0o077 == 0, f"{path.relative_to(tmp_path)} is {oct(mode)}"
    store.close()
