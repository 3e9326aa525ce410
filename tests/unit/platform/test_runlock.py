"""The run lock between two real processes: the loser learns who holds it, and a crash frees it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.platform.runlock import RunLock, RunLockBusyError, holder_path, read_holder

ROOT = Path(__file__).resolve().parents[3]

HOLD = """
import sys
from pathlib import Path
from app.platform.runlock import RunLock
with RunLock(Path(sys.argv[1]), "cli"):
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    lock = tmp_path / "sync.lock"
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lock)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "QBSF_NO_BOOTSTRAP": "1"},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "held"
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=30)


def test_the_loser_reads_who_holds_the_lock_from_its_own_file(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    lock = tmp_path / "sync.lock"
    with pytest.raises(RunLockBusyError) as busy:
        RunLock(lock, "tray").acquire()
    assert busy.value.holder["pid"] == holder.pid
    assert busy.value.holder["trigger"] == "cli"
    assert busy.value.holder["since"]
    message = str(busy.value)
    assert message.startswith("Another sync is already running (started from cli")
    assert f"process {holder.pid}" in message
    assert f" at {busy.value.holder['since']}" in message
    # The locked file holds nothing: on Windows its locked byte cannot be read by anyone else.
    assert lock.stat().st_size == 0
    assert holder_path(lock).is_file()


def test_a_released_lock_is_free_and_forgets_its_holder(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    assert holder.stdin is not None and holder.stdout is not None
    holder.stdin.write("\n")
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "released"
    assert read_holder(tmp_path / "sync.lock") == {}
    with RunLock(tmp_path / "sync.lock", "tray"):
        assert read_holder(tmp_path / "sync.lock")["pid"] == os.getpid()


def test_a_killed_holder_leaves_no_lock_behind(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    holder.kill()
    holder.wait(timeout=30)
    with RunLock(tmp_path / "sync.lock", "tray"):
        assert read_holder(tmp_path / "sync.lock")["trigger"] == "tray"


def test_missing_or_garbled_holder_details_still_give_the_busy_message(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    holder_path(tmp_path / "sync.lock").write_text("{half", encoding="utf-8")
    with pytest.raises(RunLockBusyError) as busy:
        RunLock(tmp_path / "sync.lock", "tray").acquire()
    assert busy.value.holder == {}
    assert "Another sync is already running (started from another window" in str(busy.value)
