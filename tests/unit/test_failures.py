"""The one translation of failures: each kind of exception, met for real where it can be, gives
its catalog entry, the way the work ends and the command line's exit code."""

from __future__ import annotations

import errno
import logging
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring.errors
import pytest
from keyring.backends.fail import Keyring as NoKeyring

import app.store.database as database
from app.commands.engine_access import EXIT_FOR_STATUS, exit_code_for
from app.commands.exit_codes import ExitCode
from app.domain.errors import (
    ErrorAction,
    UserError,
    UserFacingError,
    from_conductor,
    from_oauth,
    from_salesforce,
    no_network,
    port_taken,
)
from app.domain.mapping_file import parse_mapping
from app.engine.connections import NotConnectedError
from app.engine.context import ApiReserveReachedError
from app.engine.events import CancelledError
from app.engine.failures import Failure, Stop, failure_for
from app.engine.result import RunStatus
from app.platform.credentials import CredentialStore, Secret
from app.platform.memory_keyring import MemoryKeyring
from app.platform.runlock import RunLock
from app.quickbooks import QuickBooksError
from app.salesforce.errors import SalesforceError
from app.salesforce.oauth import SalesforceOAuthError
from app.store import Store, open_store
from app.store.settings import CONDUCTOR_COMPANY_NAME, SELF_TEST_PROBE, WORKFLOWS
from tests.keyring_backends import LockedKeyring

APP = Path(__file__).resolve().parents[2] / "app"


class RefusingKeyring(MemoryKeyring):
    """A password store that answers every request with a generic refusal."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringError("denied")


def raised(action: Callable[[], object]) -> BaseException:
    try:
        action()
    except BaseException as exc:
        return exc
    raise AssertionError("nothing was raised")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 100)
    opened = open_store(tmp_path / "sync.sqlite3")
    yield opened
    opened.close()


def holding_the_write_lock(path: Path) -> sqlite3.Connection:
    """Another program in the middle of writing to the file."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def check(failure: Failure, code: str, stop: Stop, exit_code: ExitCode) -> None:
    assert failure.error.code == code, failure.error
    assert failure.stop is stop
    assert exit_code_for(failure) == exit_code
    assert_catalogued(failure.error)


def assert_catalogued(error: UserError) -> None:
    assert error.title and error.what_happened and error.what_to_do
    assert isinstance(error.action, ErrorAction)
    assert "Traceback" not in error.details


# -- the run itself --------------------------------------------------------------------------
def test_cancelled_runs_end_cancelled_without_an_error_to_record() -> None:
    for exc in (CancelledError(), KeyboardInterrupt()):
        failure = failure_for(exc)
        check(failure, "local.run_cancelled", Stop.CANCELLED, ExitCode.CANCELLED)
        assert failure.run_error is None
        assert failure.stop.run_status is RunStatus.CANCELLED


def test_the_api_reserve_pauses_the_run() -> None:
    failure = failure_for(ApiReserveReachedError(14_000, 15_000))
    check(failure, "local.salesforce_limit_reserve", Stop.STOPPED_LIMIT, ExitCode.STOPPED_LIMIT)
    assert failure.run_error == failure.error


def test_another_run_holding_the_lock_is_busy(tmp_path: Path) -> None:
    with RunLock(tmp_path / "sync.lock", "tray"):
        exc = raised(RunLock(tmp_path / "sync.lock", "cli").acquire)
    failure = failure_for(exc)
    check(failure, "local.run_in_progress", Stop.BUSY, ExitCode.BUSY)
    assert "Another sync is already running" in failure.error.details
    assert failure.stop.run_status is RunStatus.FAILED


# -- QuickBooks and Salesforce ----------------------------------------------------------------
def _conductor(error_type: str, code: str, status: int) -> QuickBooksError:
    body = {"error": {"type": error_type, "code": code, "httpStatusCode": status, "message": code}}
    return QuickBooksError(
        from_conductor(body, status), http_status=status, code=code, error_type=error_type
    )


def test_a_quickbooks_dialog_needs_attention_other_quickbooks_errors_fail() -> None:
    dialog = failure_for(_conductor("INTEGRATION_CONNECTION_ERROR", "QBD_CONNECTION_ERROR", 502))
    assert dialog.stop is Stop.NEEDS_ATTENTION
    assert exit_code_for(dialog) == ExitCode.NEEDS_ATTENTION
    refused = failure_for(_conductor("INVALID_REQUEST_ERROR", "INVALID_REQUEST", 400))
    assert refused.stop is Stop.FAILED
    assert exit_code_for(refused) == ExitCode.ERROR
    for failure in (dialog, refused):
        assert failure.error.code.startswith("conductor.")
        assert_catalogued(failure.error)


@pytest.mark.parametrize(
    ("code", "status", "stop", "exit_code"),
    [
        ("REQUEST_LIMIT_EXCEEDED", 403, Stop.STOPPED_LIMIT, ExitCode.STOPPED_LIMIT),
        ("INVALID_SESSION_ID", 401, Stop.NEEDS_ATTENTION, ExitCode.NEEDS_ATTENTION),
        ("INVALID_FIELD", 400, Stop.FAILED, ExitCode.ERROR),
    ],
)
def test_salesforce_errors(code: str, status: int, stop: Stop, exit_code: ExitCode) -> None:
    exc = SalesforceError(from_salesforce(code, "", None, status), code=code, http_status=status)
    check(failure_for(exc), f"salesforce.{code}", stop, exit_code)


def test_a_revoked_salesforce_sign_in_needs_attention() -> None:
    exc = SalesforceOAuthError(
        from_oauth("invalid_grant", "expired access/refresh token"), "invalid_grant"
    )
    failure = failure_for(exc)
    check(failure, "salesforce_oauth.invalid_grant", Stop.NEEDS_ATTENTION, ExitCode.NEEDS_ATTENTION)
    assert failure.error.action is ErrorAction.RECONNECT_SALESFORCE


def test_other_catalogued_errors_keep_their_entry() -> None:
    offline = failure_for(UserFacingError(no_network("Salesforce")))
    check(offline, "local.no_network", Stop.FAILED, ExitCode.ERROR)
    port = failure_for(UserFacingError(port_taken(1717)))
    check(port, "local.port_taken", Stop.NEEDS_ATTENTION, ExitCode.NEEDS_ATTENTION)


# -- setup on this computer -------------------------------------------------------------------
@pytest.mark.parametrize("system", ["QuickBooks", "Salesforce"])
def test_not_connected_needs_attention(system: str) -> None:
    failure = failure_for(NotConnectedError(system))
    code = f"local.not_connected.{system.lower()}"
    check(failure, code, Stop.NEEDS_ATTENTION, ExitCode.NEEDS_ATTENTION)
    assert failure.error.title == f"{system} is not connected"
    assert failure.error.action is ErrorAction.OPEN_SETUP


def test_an_invalid_field_map_file_fails() -> None:
    exc = raised(lambda: parse_mapping(b"version = 99\n", source="mapping.toml"))
    failure = failure_for(exc)
    check(failure, "local.mapping_file_invalid", Stop.FAILED, ExitCode.ERROR)
    assert "mapping.toml" in failure.error.what_happened


@pytest.mark.parametrize(
    ("backend", "code"),
    [
        (LockedKeyring(), "local.keyring_locked"),
        (NoKeyring(), "local.keyring_missing"),
        (RefusingKeyring(), "local.keyring_locked"),
    ],
    ids=["locked", "missing", "refused"],
)
def test_password_store_problems_fail(backend: keyring.backend.KeyringBackend, code: str) -> None:
    exc = raised(lambda: CredentialStore(backend=backend).get(Secret.SALESFORCE_REFRESH_TOKEN))
    failure = failure_for(exc)
    check(failure, code, Stop.FAILED, ExitCode.ERROR)
    assert str(exc) in failure.error.details


# -- the app's own records file ---------------------------------------------------------------
def test_a_busy_database_is_database_locked(store: Store) -> None:
    holder = holding_the_write_lock(store.path)
    other = sqlite3.connect(store.path, timeout=0, isolation_level=None)
    try:
        through_the_store = raised(lambda: store.set(SELF_TEST_PROBE, 1))
        raw = raised(lambda: other.execute("DELETE FROM settings"))
    finally:
        other.close()
        holder.close()
    assert type(through_the_store).__name__ == "DatabaseBusyError"
    assert isinstance(raw, sqlite3.OperationalError)  # one the store did not translate
    for exc in (through_the_store, raw):
        check(failure_for(exc), "local.database_locked", Stop.FAILED, ExitCode.ERROR)


def test_a_full_disk_is_disk_full(store: Store) -> None:
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages + 1}")
    exc = raised(lambda: store.set(CONDUCTOR_COMPANY_NAME, "x" * 50_000))
    assert type(exc).__name__ == "DatabaseFullError"
    check(failure_for(exc), "local.disk_full", Stop.FAILED, ExitCode.ERROR)
    no_space = OSError(errno.ENOSPC, "No space left on device", "/data/report.pdf")
    check(failure_for(no_space), "local.disk_full", Stop.FAILED, ExitCode.ERROR)


def test_a_damaged_database_file_is_database_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "sync.sqlite3"
    path.write_bytes(b"not a database\x00" * 100)
    failure = failure_for(raised(lambda: open_store(path)))
    check(failure, "local.database_unreadable", Stop.FAILED, ExitCode.ERROR)
    assert "could not be read" in failure.error.details


def test_a_damaged_setting_is_named(store: Store) -> None:
    store._conn.execute("INSERT INTO settings (key, value) VALUES ('workflows', '{garbage')")
    failure = failure_for(raised(lambda: store.get(WORKFLOWS)))
    check(failure, "local.setting_damaged", Stop.FAILED, ExitCode.ERROR)
    assert "'workflows'" in failure.error.what_happened


def test_a_database_from_a_newer_app_is_database_unusable(tmp_path: Path) -> None:
    path = tmp_path / "sync.sqlite3"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO schema_version (version, description, applied_at) VALUES (999, '', '')"
    )
    conn.commit()
    conn.close()
    failure = failure_for(raised(lambda: open_store(path)))
    check(failure, "local.database_unusable", Stop.FAILED, ExitCode.ERROR)
    assert "newer version" in failure.error.details


# -- anything else ----------------------------------------------------------------------------
def test_an_unknown_exception_is_unexpected_and_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> None:
        raise RuntimeError("the unexpected")

    with caplog.at_level(logging.ERROR, logger="app.engine.failures"):
        failure = failure_for(raised(broken))
    check(failure, "local.unexpected", Stop.FAILED, ExitCode.ERROR)
    assert failure.error.details == "RuntimeError: the unexpected"
    [record] = caplog.records
    # The log's redacting filter, when installed, turns the traceback into (masked) text.
    logged = record.exc_text or (
        logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
    )
    assert logged.startswith("Traceback") and "RuntimeError: the unexpected" in logged


def test_every_ending_has_one_exit_code() -> None:
    assert set(EXIT_FOR_STATUS) == set(RunStatus)
    codes = {stop: exit_code_for(Failure(no_network(), stop)) for stop in Stop}
    assert codes == {
        Stop.NEEDS_ATTENTION: ExitCode.NEEDS_ATTENTION,
        Stop.STOPPED_LIMIT: ExitCode.STOPPED_LIMIT,
        Stop.CANCELLED: ExitCode.CANCELLED,
        Stop.FAILED: ExitCode.ERROR,
        Stop.BUSY: ExitCode.BUSY,
    }


def test_no_user_error_is_built_outside_the_catalog() -> None:
    built = re.compile(r"\bUserError\(")
    outside = [
        str(path.relative_to(APP.parent))
        for path in APP.rglob("*.py")
        if "domain" not in path.relative_to(APP).parts[:1]
        and built.search(path.read_text(encoding="utf-8"))
    ]
    assert outside == []
