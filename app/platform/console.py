"""Standard streams for a program that may have none: a windowed Windows build, a scheduled task.

A windowed exe (PyInstaller `console=False`) starts with `sys.stdin`, `sys.stdout` and
`sys.stderr` set to None (https://docs.python.org/3/library/sys.html#sys.__stdout__). From a
terminal it attaches to that terminal's console; with no console to attach to (Task Scheduler,
Explorer, Git Bash), each missing stream becomes a stand-in: stdin reads as empty and is no
terminal, stdout and stderr feed the log. Nothing then raises on `print()` or `isatty()`, and an
unexpected error ends the process with exit code 1 and a log entry instead of PyInstaller's
traceback dialog, which would hold a scheduled run open until someone clicks it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

ATTACH_PARENT_PROCESS = -1
UNEXPECTED_ERROR_EXIT = 1


class LogStream(io.TextIOBase):
    """A text stream with no terminal behind it: each written line goes to the log."""

    feeds_the_log = True

    def __init__(self, name: str, level: int) -> None:
        super().__init__()
        self.name = name
        self._logger = logging.getLogger(f"app.{name}")
        self._level = level
        self._pending = ""
        self._writing = threading.local()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self._emit(line)
        return len(text)

    def flush(self) -> None:
        if self._pending:
            line, self._pending = self._pending, ""
            self._emit(line)

    def _emit(self, line: str) -> None:
        # Logging's last-resort handler writes to sys.stderr, which may be this stream.
        if not line.strip() or getattr(self._writing, "active", False):
            return
        if not logging.getLogger().handlers:
            return
        self._writing.active = True
        try:
            self._logger.log(self._level, "%s", line)
        finally:
            self._writing.active = False


def attach_parent_console() -> bool:
    """Windows, windowed build, started from a terminal: use that terminal; True when attached."""
    if sys.platform != "win32" or sys.stdout is not None:
        return False
    import ctypes

    if not ctypes.windll.kernel32.AttachConsole(ATTACH_PARENT_PROCESS):
        return False
    sys.stdout = open("CONOUT$", "w", encoding="utf-8", errors="replace")  # noqa: SIM115
    sys.stderr = open("CONOUT$", "w", encoding="utf-8", errors="replace")  # noqa: SIM115
    if sys.stdin is None:
        sys.stdin = open("CONIN$", encoding="utf-8", errors="replace")  # noqa: SIM115
    return True


def ensure_standard_streams() -> list[str]:
    """Give every missing standard stream its stand-in; returns the names replaced."""
    replaced = []
    if sys.stdin is None:
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115
        replaced.append("stdin")
    if sys.stdout is None:
        sys.stdout = LogStream("stdout", logging.INFO)
        replaced.append("stdout")
    if sys.stderr is None:
        sys.stderr = LogStream("stderr", logging.WARNING)
        replaced.append("stderr")
    return replaced


def has_terminal_stderr() -> bool:
    return sys.stderr is not None and not getattr(sys.stderr, "feeds_the_log", False)


def run_guarded(main: Callable[[], int], log_dir: Callable[[], os.PathLike[str] | str]) -> int:
    """`main()`'s exit code; an unexpected error is logged and becomes exit code 1."""
    try:
        return main()
    except Exception as exc:
        _record_crash(exc, log_dir)
        return UNEXPECTED_ERROR_EXIT


def _record_crash(exc: Exception, log_dir: Callable[[], os.PathLike[str] | str]) -> None:
    from app.logs import is_configured, setup_logging

    # With no usable log folder, the message below is all there is.
    with contextlib.suppress(Exception):
        if not is_configured():
            setup_logging(Path(log_dir()), console_level=None)
        log.critical("Stopped on an unexpected error", exc_info=exc)
    with contextlib.suppress(OSError, ValueError, AttributeError):
        print(
            f"qbsf stopped on an unexpected error ({type(exc).__name__}). "
            "The details are in the app's log.",
            file=sys.stderr,
        )
