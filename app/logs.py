"""Logging: a rotating file in the user's log folder, a console for the CLI, secrets redacted.

The tray and the commands write separate files (`qbsf-tray.log`, `qbsf.log`), so the long-running
tray never holds the file a scheduled command rolls over. Two commands can still share one: on
Windows a file another process has open cannot be renamed (WinError 32), so a rollover that fails
keeps appending to the current file and tries again after the next `ROLLOVER_RETRY_BYTES`; no
record is dropped.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from app.domain.redaction import redact

FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"
MAX_BYTES = 2_000_000
BACKUPS = 5
#: The commands' log file; the tray writes `TRAY_LOG_FILE`.
LOG_FILE = "qbsf.log"
TRAY_LOG_FILE = "qbsf-tray.log"
#: After a failed rollover, how much more is written before the next try.
ROLLOVER_RETRY_BYTES = 64_000


class RedactingFilter(logging.Filter):
    """Renders each record's message (and traceback) once, with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class OwnerOnlyFileHandler(logging.handlers.RotatingFileHandler):
    """Each log file it opens, the first and every one after a rollover, is owner-only."""

    rollover_failures = 0
    last_rollover_error: OSError | None = None
    _retry_at = 0

    def _open(self):  # type: ignore[no-untyped-def]
        stream = super()._open()
        if sys.platform != "win32":
            Path(self.baseFilename).chmod(0o600)
        return stream

    def shouldRollover(self, record: logging.LogRecord) -> bool:  # noqa: N802
        if self._retry_at and self.stream is not None and self.stream.tell() < self._retry_at:
            return False
        return bool(super().shouldRollover(record))

    def doRollover(self) -> None:  # noqa: N802
        try:
            super().doRollover()
        except OSError as exc:
            # Another process holds one of the files: keep writing where we are.
            self.rollover_failures += 1
            if self.stream is None or self.stream.closed:
                self.stream = self._open()
            self._retry_at = self.stream.tell() + ROLLOVER_RETRY_BYTES
            self.last_rollover_error = exc
        else:
            self._retry_at = 0


def is_configured() -> bool:
    """True once `setup_logging` has given this process its log file."""
    return any(getattr(handler, "_qbsf", False) for handler in logging.getLogger().handlers)


def setup_logging(
    log_dir: Path, *, console_level: int | None = logging.WARNING, file_name: str = LOG_FILE
) -> Path:
    """Configure the root logger once per process; returns the log file's path."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / file_name
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_qbsf", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(logging.DEBUG)
    redacting = RedactingFilter()

    file_handler = OwnerOnlyFileHandler(
        log_file, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    file_handler.setLevel(logging.DEBUG)
    file_handler.setFormatter(logging.Formatter(FORMAT))
    file_handler.addFilter(redacting)
    file_handler._qbsf = True  # type: ignore[attr-defined]
    root.addHandler(file_handler)

    # With no terminal, stderr already feeds the log; a console handler there would log twice.
    if console_level is not None and not getattr(sys.stderr, "feeds_the_log", False):
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(console_level)
        console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        console.addFilter(redacting)
        console._qbsf = True  # type: ignore[attr-defined]
        root.addHandler(console)
    # Third-party request logs would print URLs with tokens at DEBUG; keep them at INFO.
    for noisy in ("urllib3", "httpx", "httpcore", "conductor", "simple_salesforce"):
        logging.getLogger(noisy).setLevel(logging.INFO)
    return log_file
