from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__
from app.cli import main
from app.platform.credentials import CredentialStore, Secret
from app.store import open_store


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
    store.set_setting("conductor.end_user_id", "end_usr_123")
    store.set_setting("salesforce.username", "bookkeeper@example.com")
    store.set_setting("salesforce.org_id", "00D000000000001")
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
