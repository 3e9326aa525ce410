from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

import app.logs
from app.logs import LOG_FILE, TRAY_LOG_FILE, OwnerOnlyFileHandler, setup_logging

SECRETS = [
    "sk_test_51HxYzAbCdEfGhIjKlMn",
    "00D5g000004ABCD!ARkAQO4uGx5Vt0xZk9dJp3wZ7qTt.Y1EyV8ZOx4uK0nB9c3FqWmPz",
    "5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJA.Z9d0mNqAB",
]


def test_secrets_logged_anywhere_are_redacted_in_the_file(tmp_path: Path) -> None:
    log_file = setup_logging(tmp_path / "logs", console_level=None)
    log = logging.getLogger("app.test")
    log.info("key %s", SECRETS[0])
    log.warning("Authorization: Bearer %s", SECRETS[1])
    log.debug("POST /token body=grant_type=refresh_token&refresh_token=%s", SECRETS[2])
    log.info({"access_token": SECRETS[1], "refresh_token": SECRETS[2]})
    try:
        raise ValueError(f"token was {SECRETS[1]}")
    except ValueError:
        log.exception("failed with %s", SECRETS[0])
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in text
    assert text.count("[redacted]") >= 6
    assert "failed with" in text and "ValueError" in text


HOLD_OPEN = """
import sys
handle = open(sys.argv[1], "a", encoding="utf-8")
print("open", flush=True)
sys.stdin.readline()
handle.close()
"""


def _records(log_dir: Path) -> list[str]:
    found = []
    for path in sorted(log_dir.iterdir()):
        if path.is_dir():
            continue
        found += re.findall(r"record (\d+) ", path.read_text(encoding="utf-8"))
    return found


def _log_many(count: int) -> None:
    log = logging.getLogger("app.rollover")
    for n in range(count):
        log.info("record %d %s", n, "x" * 60)
    for handler in logging.getLogger().handlers:
        handler.flush()


def test_rollover_while_another_process_holds_the_file_loses_no_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Windows the held file cannot be renamed (WinError 32); elsewhere it can. Either way
    every record is written exactly once."""
    monkeypatch.setattr(app.logs, "MAX_BYTES", 2_000)
    monkeypatch.setattr(app.logs, "ROLLOVER_RETRY_BYTES", 1_000)
    monkeypatch.setattr(app.logs, "BACKUPS", 50)
    log_dir = tmp_path / "logs"
    log_file = setup_logging(log_dir, console_level=None)
    other = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(log_file)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "open"
        _log_many(200)
    finally:
        other.communicate("\n", timeout=30)
    assert sorted(_records(log_dir), key=int) == [str(n) for n in range(200)]
    assert len(list(log_dir.iterdir())) > 1 or sys.platform == "win32"


def test_a_rollover_that_cannot_rename_keeps_writing_and_tries_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.logs, "MAX_BYTES", 2_000)
    monkeypatch.setattr(app.logs, "ROLLOVER_RETRY_BYTES", 1_000)
    monkeypatch.setattr(app.logs, "BACKUPS", 2)
    log_dir = tmp_path / "logs"
    log_file = setup_logging(log_dir, console_level=None)
    # A folder where the oldest backup goes cannot be removed, so the rollover fails part way,
    # as it does on Windows when another process holds a file.
    (log_dir / "qbsf.log.1").write_text("", encoding="utf-8")
    (log_dir / "qbsf.log.2").mkdir()
    (log_dir / "qbsf.log.2" / "keep").write_text("", encoding="utf-8")
    _log_many(100)
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, OwnerOnlyFileHandler))
    assert handler.rollover_failures >= 2
    assert isinstance(handler.last_rollover_error, OSError)
    assert sorted(_records(log_dir), key=int) == [str(n) for n in range(100)]
    # Once the way is clear, the next rollover goes through.
    (log_dir / "qbsf.log.2" / "keep").unlink()
    (log_dir / "qbsf.log.2").rmdir()
    failures = handler.rollover_failures
    _log_many(30)
    assert handler.rollover_failures == failures
    assert (log_dir / "qbsf.log.2").is_file()
    assert log_file.stat().st_size < 2_000


def test_the_tray_and_the_commands_write_separate_files(tmp_path: Path) -> None:
    assert setup_logging(tmp_path, console_level=None).name == LOG_FILE
    tray_file = setup_logging(tmp_path, console_level=None, file_name=TRAY_LOG_FILE)
    logging.getLogger("app.tray").warning("from the tray")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "from the tray" in tray_file.read_text(encoding="utf-8")
    assert "from the tray" not in (tmp_path / LOG_FILE).read_text(encoding="utf-8")
