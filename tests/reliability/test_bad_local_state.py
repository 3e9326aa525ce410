"""Bad local state: a damaged, busy or full database, a locked or missing keyring, the sign-in
port taken, a garbage setting or field-map file. Each gives a clear message, loses nothing and
leaves the database intact; once the cause is gone, the next sync finishes the work.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

import app.store.database as database
from app import cli
from app.commands.exit_codes import ExitCode
from app.domain.errors import UserFacingError
from app.engine.result import RunStatus
from app.salesforce.oauth import SalesforceSignIn
from app.sandbox.launcher import Sandboxes
from app.store import open_store
from app.store.settings import (
    BULK_THRESHOLD,
    CONDUCTOR_BASE_URL,
    CONDUCTOR_END_USER_ID,
    SALESFORCE_CLIENT_ID,
    SALESFORCE_INSTANCE_URL,
    SALESFORCE_LOGIN_URL,
    WORKFLOWS,
)
from tests.reliability.harness import audit, cli_env, engine_for, run_cli, small_world

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[Sandboxes]:
    with small_world(seed=921) as running:
        yield running


def _plain(result: object) -> None:
    text = f"{getattr(result, 'stdout', '')}{getattr(result, 'stderr', '')}"
    assert "Traceback" not in text and 'File "' not in text, text


def _intact(path: Path) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def _synced(sandboxes: Sandboxes, data_dir: Path) -> Path:
    """A first sync as setup, in this process (the code the CLI runs, without its start-up)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in sandboxes.environment().items():
            patch.setenv(name, value)
        code = cli.main(["--data-dir", str(data_dir), "sync"])
    assert code == ExitCode.OK
    return data_dir / "sync.sqlite3"


def _end_of_the_cursors_page(path: Path) -> int:
    """Where the page holding the cursor rows ends (the root page of a one-page table)."""
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        [page_size] = conn.execute("PRAGMA page_size").fetchone()
        [root] = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'cursors'"
        ).fetchone()
        [rows] = conn.execute("SELECT count(*) FROM cursors").fetchone()
    finally:
        conn.close()
    start = (root - 1) * page_size
    assert rows > 0
    assert path.read_bytes()[start] == 0x0D, "a table leaf page: the rows are in it"
    return start + page_size


def test_a_damaged_database_is_kept_byte_for_byte_and_said_so(
    sandboxes: Sandboxes, tmp_path: Path
) -> None:
    database_file = _synced(sandboxes, tmp_path / "damaged")
    raw = bytearray(database_file.read_bytes())
    # Not the middle of the file: that can be a page's unused gap, which no check can notice.
    end = _end_of_the_cursors_page(database_file)
    raw[end - 512 : end] = b"\xde\xad" * 256  # a page's rows overwritten
    database_file.write_bytes(bytes(raw))
    (tmp_path / "damaged" / "sync.sqlite3-wal").unlink(missing_ok=True)
    result = run_cli(cli_env(sandboxes), tmp_path / "damaged", "sync")
    assert result.returncode == ExitCode.ERROR
    _plain(result)
    assert "could not be read" in result.stderr and "kept as" in result.stderr
    [kept] = (tmp_path / "damaged").glob("sync.sqlite3.unreadable-*")
    assert kept.read_bytes() == bytes(raw), "the damaged file is kept as it was"

    (tmp_path / "garbage").mkdir()
    (tmp_path / "garbage" / "sync.sqlite3").write_bytes(b"not a database\x00" * 100)
    result = run_cli(cli_env(sandboxes), tmp_path / "garbage", "status")
    _plain(result)
    assert "could not be read" in result.stderr


def test_a_database_another_program_holds_is_left_alone_and_the_sync_waits_or_says_so(
    sandboxes: Sandboxes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data_dir = tmp_path / "busy"
    database_file = _synced(sandboxes, data_dir)
    for name, value in sandboxes.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 300)
    holder = sqlite3.connect(database_file, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE settings SET value = value")
    holder.execute("COMMIT")  # the exclusive lock stays until the connection closes
    try:
        code = cli.main(["--data-dir", str(data_dir), "sync"])
    finally:
        holder.close()
    out = capsys.readouterr()
    assert code == ExitCode.ERROR
    assert "in use by another program" in out.err, out.err
    assert "Traceback" not in out.err
    assert not list(data_dir.glob("*.unreadable-*")), "a busy database is not damaged"
    _intact(database_file)
    sandboxes.conductor.qb.add_invoice(sandboxes.conductor.qb.ids("customer")[0])
    assert cli.main(["--data-dir", str(data_dir), "sync"]) == ExitCode.OK
    assert not audit(sandboxes, database_file).problems


def test_a_full_disk_stops_the_run_plainly_and_the_next_run_finishes(tmp_path: Path) -> None:
    with small_world(seed=922) as sandboxes:
        engine = engine_for(sandboxes, tmp_path)
        conn = engine.store._conn
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 3}")  # the disk fills up mid-run
        result = engine.run()
        assert result.status is RunStatus.FAILED
        assert result.error is not None and result.error.title == "Disk full"
        assert "Free up some space" in result.error.what_to_do
        conn.execute("PRAGMA max_page_count = 1073741823")
        _intact(engine.store.path)
        again = engine.run()
        assert again.status is RunStatus.SUCCEEDED, again.error
        found = audit(sandboxes, engine.store.path)
        assert not found.problems, str(found)
        engine.store.close()


def _connected_without_environment(sandboxes: Sandboxes, data_dir: Path) -> dict[str, str]:
    """This PC set up (settings saved) with its secrets in the keyring; no QBSF_* shortcuts."""
    store = open_store(data_dir / "sync.sqlite3")
    info = sandboxes.info()
    store.set(CONDUCTOR_BASE_URL, info["conductor_base_url"])
    store.set(CONDUCTOR_END_USER_ID, info["conductor_end_user_id"])
    store.set(SALESFORCE_INSTANCE_URL, info["salesforce_instance_url"])
    store.set(SALESFORCE_LOGIN_URL, info["salesforce_login_url"])
    store.set(SALESFORCE_CLIENT_ID, info["salesforce_client_id"])
    store.close()
    env = {k: v for k, v in cli_env(sandboxes).items() if not k.startswith("QBSF_")}
    env["QBSF_NO_BOOTSTRAP"] = "1"
    return env


@pytest.mark.parametrize(
    ("backend", "says"),
    [
        ("tests.keyring_backends.LockedKeyring", "password store is locked"),
        ("keyring.backends.fail.Keyring", "No password store"),
    ],
)
def test_a_locked_or_missing_keyring_is_named_and_nothing_is_written(
    sandboxes: Sandboxes, tmp_path: Path, backend: str, says: str
) -> None:
    env = _connected_without_environment(sandboxes, tmp_path)
    env["PYTHON_KEYRING_BACKEND"] = backend
    before = len(sandboxes.conductor.requests()), len(sandboxes.salesforce.requests())
    result = run_cli(env, tmp_path, "sync")
    assert result.returncode == ExitCode.ERROR
    _plain(result)
    assert says in result.stderr, result.stderr
    assert (len(sandboxes.conductor.requests()), len(sandboxes.salesforce.requests())) == before
    _intact(tmp_path / "sync.sqlite3")
    assert not list(tmp_path.glob("*secret*")) and not list(tmp_path.glob("*token*"))


def test_the_sign_in_port_taken_is_named(sandboxes: Sandboxes, tmp_path: Path) -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    try:
        sign_in = SalesforceSignIn(
            sandboxes.salesforce.login_url,
            sandboxes.salesforce.client_id,
            port=port,
            verify=sandboxes.salesforce.ca_pem_path,
        )
        with pytest.raises(UserFacingError) as refused, sign_in:
            sign_in.start()
        assert refused.value.error.code == "local.port_taken"
        assert str(port) in refused.value.error.what_happened
        env = cli_env(sandboxes)
        result = run_cli(
            env,
            tmp_path,
            "connect",
            "salesforce",
            "--login-host",
            sandboxes.salesforce.login_url,
            "--client-id",
            sandboxes.salesforce.client_id,
            "--port",
            str(port),
            "--no-browser",
            "--timeout",
            "5",
        )
    finally:
        blocker.close()
    assert result.returncode != ExitCode.OK
    _plain(result)
    assert f"port {port}" in result.stdout + result.stderr


def test_port_1717_itself_taken(sandboxes: Sandboxes) -> None:
    blocker = socket.socket()
    try:
        blocker.bind(("127.0.0.1", 1717))
    except OSError:
        pytest.skip("port 1717 is in use on this machine already")
    blocker.listen()
    try:
        sign_in = SalesforceSignIn(
            sandboxes.salesforce.login_url,
            sandboxes.salesforce.client_id,
            verify=sandboxes.salesforce.ca_pem_path,
        )
        with pytest.raises(UserFacingError) as refused, sign_in:
            sign_in.start()
    finally:
        blocker.close()
    assert "port 1717" in refused.value.error.what_happened


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe\x00garbage[[[",
        b"version = 1\n[[customers.fields]\nsalesforce = ",
        b"version = 1\n[[customers.fields]]\nsalesforce = 3\n",
        b"version = 99\n",
    ],
    ids=["not-text", "not-toml", "wrong-shape", "unknown-version"],
)
def test_a_garbage_field_map_file_is_explained_and_nothing_runs(
    sandboxes: Sandboxes, tmp_path: Path, content: bytes
) -> None:
    database_file = _synced(sandboxes, tmp_path)
    (tmp_path / "mapping.toml").write_bytes(content)
    runs_before = _runs(database_file)
    result = run_cli(cli_env(sandboxes), tmp_path, "sync")
    assert result.returncode == ExitCode.ERROR
    _plain(result)
    assert "field map file" in result.stderr and "mapping.toml" in result.stderr
    assert _runs(database_file) == runs_before
    _intact(database_file)


def test_a_damaged_setting_is_named_and_setting_it_again_repairs_it(
    sandboxes: Sandboxes, tmp_path: Path
) -> None:
    database_file = _synced(sandboxes, tmp_path)
    conn = sqlite3.connect(database_file)
    conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('workflows', '{garbage')")
    conn.execute(
        "INSERT OR REPLACE INTO settings (key, value) VALUES ('salesforce.bulk_threshold', "
        "'\"lots\"')"
    )
    conn.commit()
    conn.close()
    result = run_cli(cli_env(sandboxes), tmp_path, "sync")
    assert result.returncode == ExitCode.ERROR
    _plain(result)
    assert "'salesforce.bulk_threshold'" in result.stderr or "'workflows'" in result.stderr
    store = open_store(database_file)
    store.set(WORKFLOWS, {"customers": True, "items": True})
    store.set(BULK_THRESHOLD, 2000)
    store.close()
    again = run_cli(cli_env(sandboxes), tmp_path, "sync")
    assert again.returncode == ExitCode.OK, again.stdout + again.stderr


def _runs(database_file: Path) -> int:
    conn = sqlite3.connect(f"file:{database_file}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM runs").fetchone()[0])
    finally:
        conn.close()
