"""The order in which requests read ahead reach QuickBooks.

QuickBooks Desktop answers one request at a time. Readers started together and sending at once
leave to chance which list comes first, and a step may wait for its list behind the lists of
steps after it. Readers that take a place here send in their place's order (lowest first, then
first come), two at a time, so QuickBooks always has the next request waiting. Requests made
outside a place (the run's own thread) are not held.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
from collections.abc import Iterator

#: Requests held here that may be in flight at once.
IN_FLIGHT = 2


class ReadQueue:
    def __init__(self, in_flight: int = IN_FLIGHT) -> None:
        self._in_flight = in_flight
        self._sending = 0
        self._waiting: list[tuple[int, int]] = []
        self._arrivals = itertools.count()
        self._changed = threading.Condition()
        self._place = threading.local()

    def take_place(self, order: int) -> None:
        """This thread's requests wait for their turn at `order` from now on: for a thread that
        only reads ahead."""
        self._place.order = order

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """One request: sent when its turn comes, or at once from a thread with no place."""
        order = getattr(self._place, "order", None)
        if order is None:
            yield
            return
        ticket = (order, next(self._arrivals))
        with self._changed:
            heapq.heappush(self._waiting, ticket)
            while self._sending >= self._in_flight or self._waiting[0] != ticket:
                self._changed.wait()
            heapq.heappop(self._waiting)
            self._sending += 1
            self._changed.notify_all()
        try:
            yield
        finally:
            with self._changed:
                self._sending -= 1
                self._changed.notify_all()
