"""Long work off the GUI thread: a task runs on a QThreadPool thread and reports by signals.

The signals object is created on the GUI thread and every callback is connected queued, so
progress, result and error handlers always run on the GUI thread, whichever thread emits. A task,
its signals and its callbacks (which may hold a window) are let go of on the GUI thread too, once
the pool thread holds none of them.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, SignalInstance

log = logging.getLogger(__name__)

#: The work receives a function to report progress with; its return value is the result.
Work = Callable[[Callable[[object], None]], Any]

_QUEUED = Qt.ConnectionType.QueuedConnection


class TaskSignals(QObject):
    progress = Signal(object)
    result = Signal(object)
    error = Signal(object)  # the exception the work raised
    finished = Signal()


class Task:
    """One piece of work. Not a QRunnable: one handed to the pool stayed the pool's child, with
    its callbacks and the windows they belong to, until exit."""

    def __init__(self, work: Work, name: str) -> None:
        self.signals = TaskSignals()
        self.name = name
        self._work = work

    def run(self) -> None:
        try:
            value = self._work(self.signals.progress.emit)
        except BaseException as exc:
            log.info("background task %s ended with %s", self.name, type(exc).__name__)
            self._emit(self.signals.error, exc)
        else:
            self._emit(self.signals.result, value)
        finally:
            self._emit(self.signals.finished)

    def _emit(self, signal: Any, *args: Any) -> None:
        _emit_if_heard(signal, self.name, *args)


def _emit_if_heard(signal: Any, name: str, *args: Any) -> None:
    # At quit Qt may delete the signals' owner before a late task finishes: nobody listens.
    try:
        signal.emit(*args)
    except RuntimeError:
        log.debug("background task %s finished after its window closed", name)


class _Runner:
    """What the pool thread holds: the task only while it runs, so the last reference to the
    task is always the GUI thread's, which frees its Qt objects there."""

    def __init__(self, task: Task, key: int, ended: SignalInstance) -> None:
        self._task: Task | None = task
        self._key = key
        self._ended = ended

    def __call__(self) -> None:
        task, self._task = self._task, None
        name = task.name if task is not None else "?"
        try:
            if task is not None:
                task.run()
        finally:
            del task
            _emit_if_heard(self._ended, name, self._key)


class Background(QObject):
    """Starts tasks and keeps them alive until they finish."""

    #: A task's key, once its pool thread holds nothing of it.
    _ended = Signal(int)

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._running: dict[int, Task] = {}
        self._keys = itertools.count()
        self._ended.connect(self._task_ended, _QUEUED)

    def start(
        self,
        work: Work,
        *,
        name: str,
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        owner: QObject | None = None,
    ) -> Task:
        """`owner`: the widget the answers are for; once it is gone, they are dropped."""
        task = Task(work, name)
        signals = task.signals
        for signal, callback in (
            (signals.progress, on_progress),
            (signals.result, on_result),
            (signals.error, on_error),
            (signals.finished, on_finished),
        ):
            if callback is not None:
                signal.connect(_while_alive(owner, callback), _QUEUED)
        key = next(self._keys)
        self._running[key] = task
        self.pool.start(_Runner(task, key, self._ended))
        return task

    def _task_ended(self, key: int) -> None:
        # Queued after the task's own signals: none of them is being delivered now.
        self._running.pop(key, None)

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def wait(self, timeout_ms: int = 30_000) -> bool:
        return self.pool.waitForDone(timeout_ms)


def _while_alive(owner: QObject | None, callback: Callable[..., None]) -> Callable[..., None]:
    if owner is None:
        return callback

    def deliver(*args: Any) -> None:
        if shiboken6.isValid(owner):
            callback(*args)

    return deliver
