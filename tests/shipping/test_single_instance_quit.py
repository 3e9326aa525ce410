"""One tray app per session, decided by the instance lock; `qbsf --quit` over the real channel."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.platform.instance_lock import instance_lock
from app.ui.single_instance import QUIT, claim, forward_to_running, server_name

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "QBSF_NO_BOOTSTRAP": "1", "QT_QPA_PLATFORM": "offscreen"}

HOLD_LOCK = """
import sys
from app.platform.instance_lock import instance_lock
lock = instance_lock(sys.argv[1])
print("held" if lock.acquire() else "busy", flush=True)
sys.stdin.readline()
"""


def qbsf(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        cwd=ROOT,
    )


@pytest.fixture
def lock_holder() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Another process holding the lock of a fresh name, with no socket to answer on."""
    name = server_name(f"test-{uuid.uuid4().hex}")
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, name],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=ENV,
        cwd=ROOT,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    yield name, process
    process.communicate("\n", timeout=30)


def test_the_lock_not_the_socket_decides_who_runs(
    qtbot: Any, lock_holder: tuple[str, subprocess.Popen[str]]
) -> None:
    name, _holder = lock_holder
    assert not forward_to_running(name, [])  # nobody listens ...
    assert claim(name, ["setup"]) is None  # ... and still no second copy starts


def test_the_lock_is_free_again_once_its_holder_is_gone(
    lock_holder: tuple[str, subprocess.Popen[str]],
) -> None:
    name, holder = lock_holder
    assert not instance_lock(name).acquire()
    holder.kill()
    holder.wait(timeout=30)
    lock = instance_lock(name)
    assert lock.acquire()
    lock.release()


@pytest.mark.skipif(sys.platform == "win32", reason="Windows names the session itself")
def test_names_differ_by_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_SESSION_ID", "1")
    first = server_name("same folder")
    monkeypatch.setenv("XDG_SESSION_ID", "2")
    assert server_name("same folder") != first


def test_a_running_copy_holds_its_name_against_a_second_claim(qtbot: Any) -> None:
    name = server_name(f"test-{uuid.uuid4().hex}")
    first = claim(name, [])
    assert first is not None
    try:
        assert not instance_lock(name).acquire()
    finally:
        first.close()
    again = instance_lock(name)
    assert again.acquire()
    again.release()


def test_quit_asks_the_running_app_and_waits_until_it_is_gone(qtbot: Any, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    running = claim(server_name(str(data.resolve())), [])
    assert running is not None
    received: list[list[str]] = []

    def handle(arguments: list[str]) -> None:
        received.append(arguments)
        if QUIT in arguments:
            running.close()  # what the tray does once its batch is done

    running.activated.connect(handle)
    quitter = qbsf("--data-dir", str(data), "--quit")
    qtbot.waitUntil(lambda: quitter.poll() is not None, timeout=60_000)
    out, err = quitter.communicate()
    assert quitter.returncode == 0, err
    assert received == [[QUIT]]
    assert "finished its work and closed" in out


def test_quit_with_nothing_running_succeeds_at_once(tmp_path: Path) -> None:
    quitter = qbsf("--data-dir", str(tmp_path), "tray", "--quit")
    out, err = quitter.communicate(timeout=60)
    assert quitter.returncode == 0, err
    assert "not running" in out
