"""What a run reports while it works, and how it is asked to stop. No Qt: the UI adapts these."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Progress:
    """One step of a run; `total` stays None until QuickBooks tells it (after the first page)."""

    workflow: str
    #: "checking", "reading", "writing", "committing", then how the step ended: "done",
    #: "stopped" (the run stopped during it) or "not run" (the run stopped before it).
    phase: str
    done: int = 0
    total: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    message: str = ""


ProgressCallback = Callable[[Progress], None]

DONE = "done"
STOPPED = "stopped"
NOT_RUN = "not run"
ENDS = frozenset({DONE, STOPPED, NOT_RUN})


class StepTracker:
    """Passes progress on and keeps which steps began and which finished, so a run that stops
    can end each step truthfully: done, stopped here, or not run."""

    def __init__(self, progress: ProgressCallback) -> None:
        self._progress = progress
        self.begun: list[str] = []
        self.done: set[str] = set()

    def __call__(self, event: Progress) -> None:
        if event.phase == DONE:
            self.done.add(event.workflow)
        elif event.workflow not in self.begun:
            self.begun.append(event.workflow)
        self._progress(event)

    @property
    def current(self) -> str | None:
        """The step under way: begun and not finished."""
        return next((s for s in reversed(self.begun) if s not in self.done), None)

    def ends(
        self, steps: Iterable[str], *, finished: bool, counts: Mapping[str, Mapping[str, int]]
    ) -> list[Progress]:
        """The last event of each step that has not had it yet."""
        current = self.current
        events = []
        for step in steps:
            if step in self.done:
                continue
            phase = DONE if finished else STOPPED if step == current else NOT_RUN
            events.append(Progress(step, phase, counts=dict(counts.get(step, {}))))
        return events


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
