"""Terminal progress for long work: one bar per workflow, with counts (rich)."""

from __future__ import annotations

import sys
import threading
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from app.engine.events import Progress as RunProgress
from app.engine.wording import outcomes_text, step_title, step_width


class TerminalProgress:
    """A progress callback drawing bars on stderr; quiet when stderr is not a terminal."""

    def __init__(self, *, enabled: bool | None = None) -> None:
        self._console = Console(stderr=True)
        show = sys.stderr.isatty() if enabled is None else enabled
        self._bars = Progress(
            TextColumn(f"{{task.description:<{step_width()}}}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            console=self._console,
            disable=not show,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> TerminalProgress:
        self._bars.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._bars.stop()

    def __call__(self, event: RunProgress) -> None:
        with self._lock:
            task = self._tasks.get(event.workflow)
            if task is None:
                task = self._bars.add_task(step_title(event.workflow), total=None, note="")
                self._tasks[event.workflow] = task
            note = outcomes_text(event.counts)
            if event.phase == "done":
                done = max(event.done, int(self._bars.tasks[task].completed))
                self._bars.update(task, total=done or 1, completed=done or 1, note=note)
            else:
                self._bars.update(task, total=event.total, completed=event.done, note=note)
