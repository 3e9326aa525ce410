"""Logging: a rotating file in the user's log folder, a console for the CLI, secrets redacted."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from app.domain.redaction import redact

FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"
MAX_BYTES = 2_000_000
BACKUPS = 5


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


class _OwnerOnlyFileHandler(logging.handlers.RotatingFileHandler):
    """Each log file it opens, the first and every one after a rollover, is owner-only."""

    def _open(self):  # type: ignore[no-untyped-def]
        stream = super()._open()
        if sys.platform != "win32":
            Path(self.baseFilename).chmod(0o600)
        return stream


def setup_logging(log_dir: Path, *, console_level: int | None = logging.WARNING) -> Path:
    """Configure the root logger once per process; returns the log file's path."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / "qbsf.log"
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_qbsf", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(logging.DEBUG)
    redacting = RedactingFilter()

    file_handler = _OwnerOnlyFileHandler(
        log_file, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    file_handler.setLevel(logging.DEBUG)
    file_handler.setFormatter(logging.Formatter(FORMAT))
    file_handler.addFilter(redacting)
    file_handler._qbsf = True  # type: ignore[attr-defined]
    root.addHandler(file_handler)

    if console_level is not None:
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
