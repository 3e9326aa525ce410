"""One tray app per user session: a second start hands its arguments to the running one and exits.

Who runs is decided by the instance lock (a `Local\\` named mutex on Windows, see
`app.platform.instance_lock`), never by the socket: Windows lets two servers listen on one pipe
name ("On Windows two local servers can listen to the same pipe at the same time", QLocalServer::
listen, https://doc.qt.io/qt-6/qlocalserver.html#listen) and `removeServer()` does nothing there.
The QLocalServer only carries commands to the holder. Its name, like the lock's, is per user,
session and data folder, so a trial with `--data-dir` runs beside the installed app and two users
on one terminal server never meet.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from app import APP_ID
from app.platform.instance_lock import InstanceLock, instance_lock, instance_name

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 500
IO_TIMEOUT_MS = 2000
#: How often a second start tries to reach a running app that is still starting up.
FORWARD_ATTEMPTS = 10
FORWARD_PAUSE_S = 0.2
#: The argument that asks the running app to finish its current batch and exit.
QUIT = "quit"
QUIT_WAIT_S = 120.0


def server_name(scope: str = "") -> str:
    return instance_name(APP_ID, scope)


def forward_to_running(name: str, arguments: Sequence[str]) -> bool:
    """True when a running instance took the arguments; this process should then exit."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    socket.write(json.dumps(list(arguments)).encode("utf-8") + b"\n")
    socket.flush()
    socket.waitForBytesWritten(IO_TIMEOUT_MS)
    answered = socket.waitForReadyRead(IO_TIMEOUT_MS) and bytes(socket.readAll().data()) == b"ok\n"
    socket.disconnectFromServer()
    return answered


def forward_with_retries(
    name: str,
    arguments: Sequence[str],
    attempts: int = FORWARD_ATTEMPTS,
    pause: Callable[[], None] = lambda: time.sleep(FORWARD_PAUSE_S),
) -> bool:
    """Like `forward_to_running`, for an app known to run that may not listen yet."""
    for attempt in range(attempts):
        if forward_to_running(name, arguments):
            return True
        if attempt + 1 < attempts:
            pause()
    return False


class SingleInstance(QObject):
    """The running side: `activated` carries the arguments of every later start."""

    activated = Signal(list)

    def __init__(
        self, name: str, parent: QObject | None = None, *, lock: InstanceLock | None = None
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.lock = lock
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        if self._server.listen(self.name):
            return True
        # Only the lock holder listens, so what holds the name is a crashed app's leftover.
        log.info("Removing a stale single-instance server %s", self.name)
        QLocalServer.removeServer(self.name)
        return self._server.listen(self.name)

    def close(self) -> None:
        self._server.close()
        if self.lock is not None:
            self.lock.release()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._drop(s))

    def _read(self, socket: QLocalSocket) -> None:
        data = self._buffers.get(socket, b"") + bytes(socket.readAll().data())
        if not data.endswith(b"\n"):
            self._buffers[socket] = data
            return
        self._buffers[socket] = b""
        try:
            arguments = json.loads(data.decode("utf-8"))
        except ValueError:
            arguments = []
        socket.write(b"ok\n")
        socket.flush()
        self.activated.emit([str(a) for a in arguments] if isinstance(arguments, list) else [])

    def _drop(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()


def claim(
    name: str,
    arguments: Sequence[str],
    parent: QObject | None = None,
    *,
    lock: InstanceLock | None = None,
) -> SingleInstance | None:
    """The instance to run with, or None when another copy runs (it got the arguments)."""
    lock = lock or instance_lock(name)
    if not lock.acquire():
        if not forward_with_retries(name, arguments):
            log.warning("Another copy holds %s but did not answer; not starting a second", name)
        return None
    instance = SingleInstance(name, parent, lock=lock)
    if not instance.listen():
        log.warning("Could not listen on %s; later starts cannot reach this copy", name)
    return instance


def quit_running(
    name: str,
    *,
    wait_s: float = QUIT_WAIT_S,
    lock: InstanceLock | None = None,
    pause: Callable[[], None] = lambda: time.sleep(FORWARD_PAUSE_S),
) -> tuple[bool, str]:
    """Ask the running app to finish its batch and exit, and wait until it has; (done, message)."""
    lock = lock or instance_lock(name)
    if lock.acquire():
        lock.release()
        return True, "The app is not running."
    if not forward_with_retries(name, [QUIT], pause=pause):
        return False, "The app is running but did not answer the request to quit."
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if lock.acquire():
            lock.release()
            return True, "The app has finished its work and closed."
        pause()
    return False, f"The app did not close within {wait_s:.0f} seconds."
