"""The org's clock: every write gets a SystemModstamp later than any before it."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self, floor: datetime | None = None) -> None:
        self._last = floor or datetime(1970, 1, 1, tzinfo=UTC)
        self._lock = threading.Lock()
        self._frozen = False

    def now(self) -> datetime:
        """Real time to the millisecond, but at least 1 ms after the previous tick."""
        with self._lock:
            current = self._last if self._frozen else datetime.now(UTC)
            current = current.replace(microsecond=current.microsecond // 1000 * 1000)
            if current <= self._last:
                current = self._last + timedelta(milliseconds=1)
            self._last = current
            return current

    @contextlib.contextmanager
    def frozen(self, start: datetime) -> Iterator[None]:
        """Tick 1 ms at a time from `start`, whatever the real time: seeded data stays the same."""
        with self._lock:
            self._last, self._frozen = start, True
        try:
            yield
        finally:
            with self._lock:
                self._frozen = False
