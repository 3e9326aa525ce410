"""Reading QuickBooks on one thread while the previous page is written to Salesforce.

QuickBooks answers one request at a time and slowly; Salesforce is fast. A bounded queue between
a reader thread and the writer keeps both busy without holding more than a few pages in memory.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

_DONE = object()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class Prefetcher(Generic[T]):
    """Iterates `source` on a background thread, at most `depth` items ahead of the consumer."""

    def __init__(self, source: Iterator[T], depth: int = 2, name: str = "qb-reader") -> None:
        self._source = source
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        #: Set once `source` is read to its end (or failed, or was stopped): nothing more is read.
        self.exhausted = threading.Event()
        #: Whether `source` was read to its end (rather than failing or being stopped).
        self.completed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        end: object = _DONE
        try:
            for item in self._source:
                if not self._put(item):
                    return
            self.completed = True
        except BaseException as exc:
            end = _Failure(exc)
        finally:
            self.exhausted.set()
        self._put(end)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[T]:
        try:
            while True:
                item = self._queue.get()
                if item is _DONE:
                    return
                if isinstance(item, _Failure):
                    raise item.exc
                yield item  # type: ignore[misc]
        finally:
            self.close()

    def close(self) -> None:
        """Stop reading ahead (on cancel or error); the reader finishes its current page."""
        self._stop.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=0.5)
