"""Fixtures: both sandboxes over real HTTP(S), a browser played by requests, an app context."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.context import AppContext
from app.quickbooks.setup import save_connection
from app.salesforce.oauth import SalesforceSignIn, save_sign_in
from app.sandbox.conductor import ConductorSandbox
from app.sandbox.salesforce import SalesforceSandbox
from tests.connect.browser import Browser


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def salesforce(port: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[SalesforceSandbox]:
    """A small org that accepts this test's own callback port, trusted through QBSF_CA_BUNDLE."""
    with SalesforceSandbox(
        seed=5, qb_customers=3, accounts_extra=1, items=2, opportunities=1, http_login_port=0
    ) as sandbox:
        sandbox.set_config(redirect_uris=[f"http://localhost:{port}/OauthRedirect"])
        monkeypatch.setenv("QBSF_CA_BUNDLE", sandbox.ca_pem_path)
        yield sandbox


@pytest.fixture
def browser(salesforce: SalesforceSandbox) -> Browser:
    return Browser(salesforce)


@pytest.fixture
def conductor_sandbox() -> Iterator[ConductorSandbox]:
    sandbox = ConductorSandbox(seed=3, customers=3, items=2, invoices=3, payments=2).start()
    yield sandbox
    assert sandbox.schema_violations == []
    assert sandbox.internal_errors == []
    # Stopping waits for the server's next poll; no test needs to wait for it.
    threading.Thread(target=sandbox.close, daemon=True).start()


@pytest.fixture
def ctx(data_dir: Path) -> Iterator[AppContext]:
    context = AppContext.create(data_dir, console_level=None)
    yield context
    context.close()


@pytest.fixture
def signed_in(
    salesforce: SalesforceSandbox, browser: Browser, port: int, ctx: AppContext
) -> AppContext:
    """This PC signed in to the Salesforce sandbox, as `connect salesforce` leaves it."""
    salesforce.set_config(auto_approve=True)
    sign_in = SalesforceSignIn(
        salesforce.login_url, salesforce.client_id, port=port, verify=salesforce.ca_pem_path
    )
    with sign_in:
        url = sign_in.start()
        threading.Thread(target=browser.sign_in, args=(url,), daemon=True).start()
        result = sign_in.wait()
    save_sign_in(ctx.store, ctx.credentials, result)
    return ctx


@pytest.fixture
def connected(signed_in: AppContext, conductor_sandbox: ConductorSandbox) -> AppContext:
    """Both systems connected, as the two `connect` commands leave this PC."""
    save_connection(
        signed_in.store,
        signed_in.credentials,
        secret_key=conductor_sandbox.secret_key,
        end_user_id=conductor_sandbox.end_user_id,
        base_url=conductor_sandbox.base_url,
        publishable_key=conductor_sandbox.publishable_key,
    )
    return signed_in
