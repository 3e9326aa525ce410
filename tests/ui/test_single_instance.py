"""One app per user: a second start hands over its arguments; a crashed app's leftover goes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDir
from PySide6.QtNetwork import QLocalServer

from app.ui.single_instance import SingleInstance, claim, forward_to_running, server_name

ROOT = Path(__file__).resolve().parents[2]
SECOND_START = """
import sys
from PySide6.QtCore import QCoreApplication
from app.ui.single_instance import forward_to_running
app = QCoreApplication([])
sys.exit(0 if forward_to_running(sys.argv[1], sys.argv[2:]) else 1)
"""


def unique_name() -> str:
    return server_name(f"test-{uuid.uuid4().hex}")


def test_names_differ_by_data_folder_and_stay_stable() -> None:
    assert server_name("a") == server_name("a")
    assert server_name("a") != server_name("b")


def test_a_second_start_forwards_its_arguments(qtbot: Any) -> None:
    name = unique_name()
    running = claim(name, [])
    assert running is not None
    received: list[list[str]] = []
    running.activated.connect(received.append)
    second = subprocess.Popen(
        [sys.executable, "-c", SECOND_START, name, "setup"],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        cwd=ROOT,
    )
    qtbot.waitUntil(lambda: second.poll() is not None, timeout=20_000)
    assert second.returncode == 0, "the second start was answered by the running one"
    assert received == [["setup"]]
    running.close()


def test_nobody_running_means_this_start_takes_the_name(qtbot: Any) -> None:
    name = unique_name()
    assert not forward_to_running(name, ["x"])
    first = claim(name, [])
    assert first is not None
    first.close()


@pytest.mark.skipif(sys.platform == "win32", reason="a named pipe leaves no file behind")
def test_a_crashed_apps_leftover_socket_is_removed(qtbot: Any) -> None:
    name = unique_name()
    path = Path(QDir.tempPath()) / name
    leftover = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    leftover.bind(str(path))
    leftover.close()  # a listener that died without cleaning up
    assert path.exists()
    assert not forward_to_running(name, [])
    instance = SingleInstance(name)
    assert instance.listen()
    assert isinstance(instance._server, QLocalServer) and instance._server.isListening()
    instance.close()
