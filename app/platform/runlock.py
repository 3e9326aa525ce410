"""One sync at a time per data folder, across the tray and the CLI.

An OS file lock: released by the OS when the holder exits or is killed, so a crash never leaves a
stale lock behind. Who holds it (for the "busy" message) is written to a file of its own beside
the lock: on Windows a locked byte cannot even be read by another process (`msvcrt.locking`,
https://learn.microsoft.com/en-us/cpp/c-runtime-library/reference/locking), so the details must
never share the locked file.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from app.platform.user import os_user


class RunLockBusyError(Exception):
    def __init__(self, holder: dict[str, Any]) -> None:
        self.holder = holder
        who = holder.get("trigger", "another window")
        user = f" by {holder['user']}" if holder.get("user") else ""
        since = f" at {holder['since']}" if holder.get("since") else ""
        super().__init__(
            f"Another sync is already running (started from {who}{user}{since}, "
            f"process {holder.get('pid', '?')}). Wait for it to finish, then try again."
        )


def holder_path(lock_path: Path) -> Path:
    """The file that says who holds `lock_path`; never locked, so anyone can read it."""
    return lock_path.with_name(lock_path.name + ".holder")


def read_holder(lock_path: Path) -> dict[str, Any]:
    """The holder's details; empty when they are missing, half written or unreadable."""
    try:
        holder = json.loads(holder_path(lock_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


class RunLock:
    def __init__(self, path: Path, trigger: str) -> None:
        self.path = path
        self.trigger = trigger
        self._file: IO[bytes] | None = None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+b")
        try:
            _lock(handle)
        except OSError:
            handle.close()
            raise RunLockBusyError(read_holder(self.path)) from None
        self._file = handle
        self._write_holder()
        return self

    def _write_holder(self) -> None:
        details = {
            "pid": os.getpid(),
            "trigger": self.trigger,
            "user": _user(),
            "since": time.strftime("%H:%M:%S"),
        }
        target = holder_path(self.path)
        staging = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        # The details are a courtesy: a sync must not fail because they could not be written.
        with contextlib.suppress(OSError):
            staging.write_text(json.dumps(details), encoding="utf-8")
            staging.replace(target)
        with contextlib.suppress(OSError):
            staging.unlink(missing_ok=True)

    def release(self) -> None:
        if self._file is None:
            return
        with contextlib.suppress(OSError):
            holder_path(self.path).unlink(missing_ok=True)
        _unlock(self._file)
        self._file.close()
        self._file = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _user() -> str:
    return os_user(default="")


if sys.platform == "win32":
    import msvcrt

    def _lock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(0)
        with contextlib.suppress(OSError):
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
