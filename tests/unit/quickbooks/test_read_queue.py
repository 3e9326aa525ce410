"""Requests read ahead reach QuickBooks in their readers' order, not in the order their threads
happened to run; the run's own requests are never held."""

from __future__ import annotations

import threading
import time

from app.quickbooks.queue import ReadQueue

#: How long a test waits for threads to line up (a bound, not a figure).
PATIENCE_S = 20


def _wait_until(check: object) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while time.monotonic() < deadline and not check():  # type: ignore[operator]
        time.sleep(0.005)
    assert check(), "the threads did not line up"  # type: ignore[operator]


def _reader(queue: ReadQueue, order: int, sent: list[str], hold: threading.Event | None) -> None:
    queue.take_place(order)
    with queue.turn():
        sent.append(str(order))
        if hold is not None:
            hold.wait(PATIENCE_S)


def test_waiting_readers_send_lowest_place_first_whatever_order_they_came_in() -> None:
    queue = ReadQueue(in_flight=1)
    sent: list[str] = []
    hold = threading.Event()
    first = threading.Thread(target=_reader, args=(queue, 9, sent, hold))
    first.start()
    _wait_until(lambda: sent == ["9"])
    later = [threading.Thread(target=_reader, args=(queue, o, sent, None)) for o in (5, 3, 4, 1)]
    for thread in later:
        thread.start()
    _wait_until(lambda: len(queue._waiting) == 4)
    # The run's own thread has no place: its request goes at once, even now.
    with queue.turn():
        sent.append("run")
    hold.set()
    for thread in [first, *later]:
        thread.join(PATIENCE_S)
    assert sent == ["9", "run", "1", "3", "4", "5"]


def test_two_requests_are_in_flight_so_quickbooks_always_has_the_next_one() -> None:
    queue = ReadQueue()
    sent: list[str] = []
    hold = threading.Event()
    readers = [threading.Thread(target=_reader, args=(queue, o, sent, hold)) for o in (2, 1)]
    for thread in readers:
        thread.start()
    _wait_until(lambda: sorted(sent) == ["1", "2"])
    third = threading.Thread(target=_reader, args=(queue, 0, sent, hold))
    third.start()
    _wait_until(lambda: len(queue._waiting) == 1)
    assert len(sent) == 2, "a third waits while two are in flight"
    hold.set()
    for thread in [*readers, third]:
        thread.join(PATIENCE_S)
    assert sent[-1] == "0"
