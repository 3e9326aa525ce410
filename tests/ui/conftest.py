"""Tray app fixtures: one set of sandboxes per module, a browser played over HTTP, a set-up app."""

from __future__ import annotations

import gc
import html
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from app.context import AppContext
from app.domain.user_error import ErrorAction, ErrorKind, UserError
from app.platform.credentials import Secret
from app.quickbooks.setup import save_connection
from app.sandbox.launcher import Sandboxes, SandboxSize, start_sandboxes
from app.store.settings import (
    GO_LIVE_DATE,
    SALESFORCE_CLIENT_ID,
    SALESFORCE_INSTANCE_URL,
    SALESFORCE_LOGIN_URL,
    SALESFORCE_ORG_ID,
    SALESFORCE_SIGN_IN_PORT,
    SALESFORCE_USERNAME,
    SETUP_FINISHED,
)
from app.ui.controller import Controller
from app.ui.shell import Shell
from app.ui.wizard.defaults import SetupDefaults

SMALL = SandboxSize(
    customers=12, items=6, invoices=30, payments=15, opportunities=6, extra_accounts=3
)
_INPUT = re.compile(r"<input[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.ui)


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread() -> Iterator[None]:
    """A test's windows and shell, let go of, are freed here: left to the cycle collector, they
    could be freed on a sandbox or worker thread, whose deferred delete of a widget crashed."""
    yield
    gc.collect()


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[Sandboxes]:
    with start_sandboxes(seed=11, size=SMALL, login_port=0) as started:
        yield started


@pytest.fixture
def ctx(data_dir: Path) -> Iterator[AppContext]:
    context = AppContext.create(data_dir, console_level=None)
    yield context
    context.close()


@pytest.fixture
def sign_in_port(sandboxes: Sandboxes, monkeypatch: pytest.MonkeyPatch) -> int:
    """A free loopback port the sandbox accepts as the sign-in redirect, and its CA trusted."""
    from app.commands.demo import free_port

    port = free_port()
    sandboxes.salesforce.set_config(redirect_uris=[f"http://localhost:{port}/OauthRedirect"])
    monkeypatch.setenv("QBSF_CA_BUNDLE", sandboxes.info()["ca_bundle"])
    return port


@pytest.fixture
def defaults(sandboxes: Sandboxes, sign_in_port: int) -> SetupDefaults:
    return SetupDefaults.from_sandboxes(sandboxes.info(), sign_in_port)


def connect(ctx: AppContext, sandboxes: Sandboxes, port: int) -> None:
    """What a finished setup leaves behind, without walking the wizard."""
    info = sandboxes.info()
    save_connection(
        ctx.store,
        ctx.credentials,
        secret_key=info["conductor_secret_key"],
        end_user_id=info["conductor_end_user_id"],
        base_url=info["conductor_base_url"],
        publishable_key=info["conductor_publishable_key"],
    )
    tokens = sandboxes.salesforce.issue_tokens()
    ctx.credentials.set(Secret.SALESFORCE_REFRESH_TOKEN, tokens["refresh_token"])
    ctx.store.set(SALESFORCE_LOGIN_URL, info["salesforce_login_url"])
    ctx.store.set(SALESFORCE_CLIENT_ID, info["salesforce_client_id"])
    ctx.store.set(SALESFORCE_INSTANCE_URL, tokens["instance_url"])
    ctx.store.set(SALESFORCE_USERNAME, sandboxes.salesforce.username)
    ctx.store.set(SALESFORCE_ORG_ID, sandboxes.salesforce.org_id)
    # Setup chose a go-live date before the sample org's won deals.
    ctx.store.set(GO_LIVE_DATE, "2025-01-01")
    ctx.store.set(SALESFORCE_SIGN_IN_PORT, port)
    ctx.store.set(SETUP_FINISHED, True)


@pytest.fixture
def connected(ctx: AppContext, sandboxes: Sandboxes, sign_in_port: int) -> AppContext:
    connect(ctx, sandboxes, sign_in_port)
    return ctx


@pytest.fixture
def shell(qtbot: Any, connected: AppContext, defaults: SetupDefaults) -> Iterator[Shell]:
    """The running app, set up, with no tray (offscreen), no start-up quiet and no polling."""
    controller = Controller(connected)
    app_shell = Shell(
        connected, controller=controller, defaults=defaults, use_tray=False, quiet_s=0, poll=False
    )
    app_shell.start()
    yield app_shell
    app_shell.quit()
    controller.cancel_run()
    qtbot.waitUntil(lambda: not controller.background.busy, timeout=30_000)
    app_shell.dispose()


def error_with(
    action: ErrorAction, *, retryable: bool = False, code: str | None = None
) -> UserError:
    """A connection problem offering `action`; `code` tells two of one action apart."""
    return UserError(
        code=f"test.{code or action.value}",
        title="Something needs doing",
        what_happened="It happened.",
        what_to_do="Do the thing.",
        action=action,
        kind=ErrorKind.CONNECTION,
        retryable=retryable,
        details="request req_123; HTTP 502",
    )


class Browser(QObject):
    """Stands in for the system browser: records every URL it is asked to open and, for a
    Salesforce sign-in, signs in on the sandbox's page and follows it back to the app."""

    def __init__(self, sandboxes: Sandboxes, *, allow: bool = True) -> None:
        super().__init__()
        self.sandboxes = sandboxes
        self.allow = allow
        #: False: only record what was opened, as a browser nobody looks at.
        self.follow = True
        self.opened: list[str] = []
        self.answers: list[int] = []
        self.errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        text = url.toString()
        self.opened.append(text)
        if self.follow and "/services/oauth2/authorize" in text:
            thread = threading.Thread(target=self._sign_in, args=(text,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _sign_in(self, url: str) -> None:
        try:
            with requests.Session() as web:
                page = web.get(url, timeout=30)
                page.raise_for_status()
                form = form_fields(page.text)
                form["decision"] = "allow" if self.allow else "deny"
                action = url.split("/services/oauth2/authorize")[0]
                answer = web.post(f"{action}/services/oauth2/authorize", data=form, timeout=60)
                self.answers.append(answer.status_code)
        except BaseException as exc:  # reported to the test, which fails on it
            self.errors.append(exc)

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=30)


def form_fields(page: str) -> dict[str, str]:
    fields = {}
    for tag in _INPUT.findall(page):
        attrs = dict(_ATTR.findall(tag))
        if "name" in attrs and attrs.get("type") != "submit":
            fields[attrs["name"]] = html.unescape(attrs.get("value", ""))
    return fields


@pytest.fixture
def browser(sandboxes: Sandboxes) -> Iterator[Browser]:
    player = Browser(sandboxes)
    for scheme in ("http", "https", "file"):
        QDesktopServices.setUrlHandler(scheme, player, "open")
    yield player
    for scheme in ("http", "https", "file"):
        QDesktopServices.unsetUrlHandler(scheme)
    player.join()
