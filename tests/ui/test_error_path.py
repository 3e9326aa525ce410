"""Sync now when the engine cannot even start: the tray shows the catalog's entry for what
stopped it (a revoked Salesforce sign-in, a busy records file), never "Something went wrong"."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

import app.store.database as database
from app.context import AppContext
from app.domain.errors import ErrorAction, UserError, database_locked, from_oauth
from app.platform.credentials import Secret
from app.salesforce.oauth import OAuthClient
from app.sandbox.launcher import Sandboxes
from app.ui.menu import MenuAction
from app.ui.shell import Shell
from app.ui.windows.progress import ProgressWindow

WAIT = 60_000
SIGN_IN_AGAIN = from_oauth("invalid_grant", "expired access/refresh token")


@pytest.fixture
def short_busy_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's records file gives up waiting for another program quickly (before it opens)."""
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 300)


@pytest.fixture
def revoked(connected: AppContext, sandboxes: Sandboxes) -> AppContext:
    """The saved sign-in revoked at Salesforce before the tray starts."""
    token = connected.credentials.get(Secret.SALESFORCE_REFRESH_TOKEN)
    assert token
    info = sandboxes.info()
    oauth = OAuthClient(
        info["salesforce_login_url"], info["salesforce_client_id"], verify=info["ca_bundle"]
    )
    try:
        oauth.revoke(token)
    finally:
        oauth.close()
    return connected


@pytest.fixture
def another_program_writing(connected: AppContext) -> Iterator[sqlite3.Connection]:
    holder = sqlite3.connect(connected.store.path, isolation_level=None)
    yield holder
    holder.close()


def sync_now_fails(qtbot: Any, shell: Shell) -> UserError:
    with qtbot.waitSignal(shell.controller.run_failed, timeout=WAIT) as failed:
        shell.trigger(MenuAction.SYNC_NOW)
    error = failed.args[1]
    assert isinstance(error, UserError)
    return error


def shown_in_progress(shell: Shell, error: UserError) -> None:
    progress = shell.windows["progress"]
    assert isinstance(progress, ProgressWindow)
    assert progress.error == error
    assert error.title in progress.heading.text()
    assert error.what_to_do in progress.summary.text()


def test_sync_now_with_a_revoked_sign_in_says_sign_in_again(
    qtbot: Any, revoked: AppContext, shell: Shell
) -> None:
    error = sync_now_fails(qtbot, shell)

    assert error.code == SIGN_IN_AGAIN.code
    assert (error.title, error.what_happened, error.what_to_do) == (
        SIGN_IN_AGAIN.title,
        SIGN_IN_AGAIN.what_happened,
        SIGN_IN_AGAIN.what_to_do,
    )
    assert error.action is ErrorAction.RECONNECT_SALESFORCE
    assert "Traceback" not in error.details
    shown_in_progress(shell, error)
    assert shell.controller.facts.problem == error
    assert shell.controller.running is None


def test_sync_now_with_the_records_file_busy_says_so(
    qtbot: Any,
    short_busy_wait: None,
    shell: Shell,
    another_program_writing: sqlite3.Connection,
) -> None:
    another_program_writing.execute("BEGIN IMMEDIATE")
    try:
        error = sync_now_fails(qtbot, shell)
    finally:
        another_program_writing.execute("ROLLBACK")

    catalogued = database_locked()
    assert error.code == catalogued.code != "local.unexpected"
    assert (error.title, error.what_happened, error.what_to_do) == (
        catalogued.title,
        catalogued.what_happened,
        catalogued.what_to_do,
    )
    assert "in use by another program" in error.details
    assert "Traceback" not in error.details
    shown_in_progress(shell, error)
    assert shell.controller.facts.problem == error
