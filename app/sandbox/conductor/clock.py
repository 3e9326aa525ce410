"""The company file's clock: every write gets a timestamp later than any before it.

QuickBooks stamps `updatedAt` to the second and derives `revisionNumber` from it; a sync that
keeps `updatedAfter` cursors needs those stamps to be strictly increasing, so two writes in the
same second get consecutive seconds. A virtual clock (given a start) moves only with writes,
which makes two runs with the same seed and the same writes identical.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

_SECOND = timedelta(seconds=1)


class Clock:
    def __init__(self, *, last: datetime, virtual: bool) -> None:
        self._last = last.astimezone(UTC).replace(microsecond=0)
        self._virtual = virtual
        self._lock = threading.Lock()

    @property
    def virtual(self) -> bool:
        return self._virtual

    def tick(self) -> datetime:
        """The timestamp of a new write."""
        with self._lock:
            following = self._last + _SECOND
            if not self._virtual:
                following = max(following, datetime.now(UTC).replace(microsecond=0))
            self._last = following
            return following

    def now(self) -> datetime:
        """The current time for reads (windows such as "the last 90 days")."""
        with self._lock:
            if self._virtual:
                return self._last
            return max(self._last, datetime.now(UTC).replace(microsecond=0))

    def advance(self, by: timedelta) -> datetime:
        """Time passes by `by` (a virtual clock's next write, or the wall clock's now, moved
        forward): a later write looks as far from the last one as a later day's would."""
        with self._lock:
            current = self._last
            if not self._virtual:
                current = max(current, datetime.now(UTC).replace(microsecond=0))
            self._last = current + by
            return self._last

    def observe(self, moment: datetime) -> None:
        """Never hand out a timestamp at or before `moment` (e.g. loaded from a state file)."""
        with self._lock:
            self._last = max(self._last, moment.astimezone(UTC).replace(microsecond=0))
