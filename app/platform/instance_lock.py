"""Which copy of the tray app is the running one: a per-session named mutex on Windows.

Windows named pipes let several servers listen on one name, and a pipe name is seen by every
session on the machine, so the pipe cannot decide who runs. A mutex in the session's `Local\\`
namespace can: `CreateMutexW` on a name that exists returns ERROR_ALREADY_EXISTS
(https://learn.microsoft.com/en-us/windows/win32/api/synchapi/nf-synchapi-createmutexw), and the
kernel closes the handle when the process ends, crash or not
(https://learn.microsoft.com/en-us/windows/win32/termserv/kernel-object-namespaces). Elsewhere an
exclusive `flock` on a file in the user's runtime folder does the same job.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Protocol

from app.platform.user import os_user

ERROR_ALREADY_EXISTS = 183


class InstanceLock(Protocol):
    def acquire(self) -> bool:
        """True when this process now holds the lock; False when another process holds it."""
        ...

    def release(self) -> None: ...


def session_id() -> str:
    """The login session this process runs in: Terminal Services session on Windows."""
    if sys.platform == "win32":
        import ctypes
        from ctypes import wintypes

        session = wintypes.DWORD()
        if ctypes.windll.kernel32.ProcessIdToSessionId(os.getpid(), ctypes.byref(session)):
            return str(session.value)
        return ""
    return os.environ.get("XDG_SESSION_ID", "")


def current_user() -> str:
    return os_user(default="user")


def instance_name(prefix: str, scope: str) -> str:
    """One name per user, session and data folder; the same for the pipe and the mutex."""
    digest = hashlib.sha256(f"{current_user()}\0{session_id()}\0{scope}".encode()).hexdigest()
    return f"{prefix}-{digest[:16]}"


class WindowsMutex:
    def __init__(self, name: str) -> None:
        self.name = rf"Local\{name}"
        self._handle: int | None = None

    def acquire(self) -> bool:
        if self._handle is not None:
            return True
        import ctypes
        from ctypes import wintypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.CreateMutexW.argtypes = [wintypes.LPVOID, wintypes.BOOL, wintypes.LPCWSTR]
        kernel32.CreateMutexW.restype = wintypes.HANDLE
        kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
        handle = kernel32.CreateMutexW(None, False, self.name)
        error = ctypes.get_last_error()
        if not handle:
            raise ctypes.WinError(error)
        if error == ERROR_ALREADY_EXISTS:
            kernel32.CloseHandle(handle)
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is None:
            return
        import ctypes

        ctypes.windll.kernel32.CloseHandle(self._handle)
        self._handle = None


class FileInstanceLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        if self._file is not None:
            return True
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+b")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is None:
            return
        import fcntl

        with contextlib.suppress(OSError):
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
        self._file.close()
        self._file = None


def runtime_dir() -> Path:
    configured = os.environ.get("XDG_RUNTIME_DIR", "")
    if configured and Path(configured).is_dir():
        return Path(configured)
    return Path(tempfile.gettempdir())


def instance_lock(name: str) -> InstanceLock:
    if sys.platform == "win32":
        return WindowsMutex(name)
    return FileInstanceLock(runtime_dir() / f"{name}.lock")
