from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__
from app.cli import main
from app.platform.console import ensure_standard_streams, run_guarded
from app.platform.credentials import CredentialStore, Secret
from app.store import open_store
from app.store.settings import CONDUCTOR_END_USER_ID, SALESFORCE_ORG_ID, SALESFORCE_USERNAME


def _run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QBSF_NO_BOOTSTRAP": "1"}
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_version_from_a_real_process(tmp_path: Path) -> None:
    result = _run("--version", data_dir=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"qbsf {__version__}"


def test_status_on_a_fresh_folder(tmp_path: Path) -> None:
    result = _run("status", data_dir=tmp_path / "fresh")
    assert result.returncode == 0, result.stderr
    assert "QuickBooks:  not connected" in result.stdout
    assert "Last sync:   never" in result.stdout
    assert (tmp_path / "fresh" / "sync.sqlite3").exists()
    assert (tmp_path / "fresh" / "logs" / "qbsf.log").exists()


def test_status_shows_connections_and_last_run(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(data_dir / "sync.sqlite3")
    store.set(CONDUCTOR_END_USER_ID, "end_usr_123")
    store.set(SALESFORCE_USERNAME, "bookkeeper@example.com")
    store.set(SALESFORCE_ORG_ID, "00D000000000001")
    run_id = store.start_run("tray", "alice")
    store.finish_run(run_id, "succeeded", {})
    store.close()
    creds = CredentialStore()
    creds.set(Secret.CONDUCTOR_SECRET_KEY, "sk_test_x")
    creds.set(Secret.SALESFORCE_REFRESH_TOKEN, "rt")
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "end user end_usr_123" in out
    assert "signed in as bookkeeper@example.com" in out
    assert f"#{run_id} succeeded" in out


def test_unreadable_database_is_a_plain_error(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "sync.sqlite3").write_bytes(b"garbage" * 500)
    result = _run("status", data_dir=folder)
    assert result.returncode == 1
    assert "could not be read" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(list(folder.glob("sync.sqlite3.unreadable-*"))) == 1


# -- no console: a windowed build started by Task Scheduler or Explorer ---------------------------
def _no_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("stdin", "stdout", "stderr"):
        monkeypatch.setattr(sys, name, None)


def test_commands_run_with_no_standard_streams_and_write_to_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_streams(monkeypatch)
    assert main(["--data-dir", str(tmp_path), "status"]) == 0
    assert main(["--data-dir", str(tmp_path), "doctor", "--skip-schema-check"]) == 3
    assert main(["--data-dir", str(tmp_path), "sync"]) == 3
    assert sys.stdin is not None and not sys.stdin.isatty() and sys.stdin.read() == ""
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = (tmp_path / "logs" / "qbsf.log").read_text(encoding="utf-8")
    assert "QuickBooks:  not connected" in text  # status's stdout
    assert "Overall:" in text  # doctor's report
    assert "app.stderr" in text  # sync's "not connected" message


def test_an_unexpected_error_with_no_console_is_logged_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_streams(monkeypatch)
    ensure_standard_streams()
    logging.getLogger().handlers.clear()

    def broken() -> int:
        raise RuntimeError("boom sk_test_51HxYzAbCdEfGhIjKlMn")

    assert run_guarded(broken, lambda: tmp_path / "logs") == 1
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = (tmp_path / "logs" / "qbsf.log").read_text(encoding="utf-8")
    assert "Stopped on an unexpected error" in text and "RuntimeError" in text
    assert "sk_test_51HxYzAbCdEfGhIjKlMn" not in text
    assert "qbsf stopped on an unexpected error (RuntimeError)" in text


@pytest.mark.skipif(sys.platform == "win32", reason="closes the streams with a POSIX shell")
def test_a_process_started_with_its_streams_closed_exits_with_the_commands_code(
    tmp_path: Path,
) -> None:
    """What Task Scheduler gives a windowed exe: no stdin, stdout or stderr at all."""
    env = {**os.environ, "QBSF_NO_BOOTSTRAP": "1"}
    command = [sys.executable, "-m", "app", "--data-dir", str(tmp_path)]
    script = 'exec "$@" 0<&- 1>&- 2>&-'
    status = subprocess.run(["sh", "-c", script, "sh", *command, "status"], env=env, timeout=60)
    assert status.returncode == 0
    doctor = subprocess.run(["sh", "-c", script, "sh", *command, "doctor"], env=env, timeout=60)
    assert doctor.returncode == 3
    text = (tmp_path / "logs" / "qbsf.log").read_text(encoding="utf-8")
    assert "Last sync:   never" in text
    assert "Traceback" not in text
