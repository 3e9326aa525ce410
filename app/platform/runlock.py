"""One sync at a time per data folder, across the tray and the CLI.

An OS file lock: released by the OS when the holder exits or is killed, so a crash never leaves a
stale lock behind. The file records who holds it, for the "busy" message.
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


class RunLockBusyError(Exception):
    def __init__(self, holder: dict[str, Any]) -> None:
        self.holder = holder
        who = holder.get("trigger", "another window")
        since = f" at {holder['since']}" if holder.get("since") else ""
        super().__init__(
            f"Another sync is already running (started from {who}{since}, "
            f"process {holder.get('pid', '?')}). Wait for it to finish, then try again."
        )


class RunLock:
    def __init__(self, path: Path, trigger: str) -> None:
        self.path = path
        self.trigger = trigger
        self._file: IO[str] | None = None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            _lock(handle)
        except OSError:
            handle.seek(0)
            try:
                holder = json.loads(handle.read() or "{}")
            except ValueError:
                holder = {}
            handle.close()
            raise RunLockBusyError(holder) from None
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "trigger": self.trigger,
                    "since": time.strftime("%H:%M:%S"),
                }
            )
        )
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        if self._file is None:
            return
        with contextlib.suppress(OSError):
            self._file.seek(0)
            self._file.truncate()
            self._file.flush()
        _unlock(self._file)
        self._file.close()
        self._file = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


if sys.platform == "win32":
    import msvcrt

    def _lock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        with contextlib.suppress(OSError):
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
