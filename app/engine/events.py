"""What a run reports while it works, and how it is asked to stop. No Qt: the UI adapts these."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Progress:
    """One step of a run; `total` stays None until QuickBooks tells it (after the first page)."""

    workflow: str
    phase: str  # "checking", "reading", "writing", "committing", "done"
    done: int = 0
    total: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    message: str = ""


ProgressCallback = Callable[[Progress], None]


def ignore_progress(_: Progress) -> None:
    pass


class CancelToken:
    """Set from any thread; the run stops at the next batch boundary, keeping what is committed."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


class CancelledError(Exception):
    """Raised at a batch boundary once cancel() was called."""
