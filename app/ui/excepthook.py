"""Anything unexpected on the GUI thread ends in a dialog with a copyable report, not a crash."""

from __future__ import annotations

import logging
import platform
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal

from app import APP_NAME, __version__
from app.domain.errors import unexpected
from app.domain.redaction import redact
from app.domain.user_error import UserError

log = logging.getLogger(__name__)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def crash_report(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    lines = traceback.format_exception(kind, exc, tb)
    header = (
        f"{APP_NAME} {__version__}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )
    return redact(header + "\n\n" + "".join(lines).rstrip())


class _Relay(QObject):
    # Exceptions may come from any thread; the dialog must open on the GUI thread.
    raised = Signal(object)


class ExceptHook:
    """Installs itself as sys.excepthook and threading.excepthook until `uninstall()`."""

    def __init__(self, show: Callable[[UserError], None]) -> None:
        self._show = show
        self._relay = _Relay()
        self._relay.raised.connect(self._present, Qt.ConnectionType.QueuedConnection)
        self._previous = sys.excepthook
        self._previous_thread = threading.excepthook
        self.reports: list[str] = []

    def install(self) -> ExceptHook:
        sys.excepthook = self.handle
        threading.excepthook = self._handle_thread
        return self

    def uninstall(self) -> None:
        sys.excepthook = self._previous
        threading.excepthook = self._previous_thread

    def handle(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous(kind, exc, tb)
            return
        log.critical("Unexpected error", exc_info=(kind, exc, tb))
        report = crash_report(kind, exc, tb)
        self.reports.append(report)
        self._relay.raised.emit(report)

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    def _present(self, report: str) -> None:
        self._show(unexpected(report))
