"""One tray app per user: a second start hands its arguments to the running one and exits.

The running app listens on a QLocalServer named after the user (and the data folder, so a trial
with `--data-dir` can run beside the installed app). A server left behind by a crash answers no
one; the next start finds nobody listening, removes it and takes the name.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from app import APP_ID

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 500
IO_TIMEOUT_MS = 2000


def server_name(scope: str = "") -> str:
    try:
        user = getpass.getuser()
    except OSError:
        user = "user"
    digest = hashlib.sha256(f"{user}\0{scope}".encode()).hexdigest()[:16]
    return f"{APP_ID}-{digest}"


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


class SingleInstance(QObject):
    """The running side: `activated` carries the arguments of every later start."""

    activated = Signal(list)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        if self._server.listen(self.name):
            return True
        # Nobody answered before we got here, so what holds the name is a crashed app's leftover.
        log.info("Removing a stale single-instance server %s", self.name)
        QLocalServer.removeServer(self.name)
        return self._server.listen(self.name)

    def close(self) -> None:
        self._server.close()

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
    name: str, arguments: Sequence[str], parent: QObject | None = None
) -> SingleInstance | None:
    """The instance to run with, or None when a running app took over (exit then)."""
    if forward_to_running(name, arguments):
        return None
    instance = SingleInstance(name, parent)
    if not instance.listen():
        log.warning("Could not claim the single-instance name %s; running anyway", name)
    return instance
