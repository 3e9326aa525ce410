"""Background connection checks while idle: a gentle pace, none at once; every few seconds for a
while once a problem appears (someone at the QuickBooks PC is likely closing that dialog now),
then slower and slower while it lasts.

The poller only keeps time; `check` starts the real check (in the background) and the result
comes back through `checked(ok)`, which sets the next delay.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

FIRST_CHECK_S = 20.0
INTERVAL_S = 5 * 60.0
#: Right after a problem appears: this often, for this many checks (about five minutes).
FAST_S = 5.0
FAST_CHECKS = 60
FAILING_FIRST_S = 60.0
FAILING_CAP_S = 30 * 60.0


def next_delay(failures: int, *, interval_s: float = INTERVAL_S, fast_s: float = FAST_S) -> float:
    """Seconds until the next check after `failures` failed checks in a row."""
    if failures <= 0:
        return interval_s
    if failures <= FAST_CHECKS:
        return fast_s
    return min(FAILING_FIRST_S * 2 ** (failures - FAST_CHECKS - 1), FAILING_CAP_S)


class HealthPoller(QObject):
    def __init__(
        self,
        check: Callable[[], None],
        *,
        first_s: float = FIRST_CHECK_S,
        interval_s: float = INTERVAL_S,
        fast_s: float = FAST_S,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._check = check
        self._first_s = first_s
        self._interval_s = interval_s
        self._fast_s = fast_s
        self.failures = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._check)

    def start(self) -> None:
        self._schedule(self._first_s)

    def stop(self) -> None:
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def checked(self, ok: bool) -> None:
        self.failures = 0 if ok else self.failures + 1
        self._schedule(next_delay(self.failures, interval_s=self._interval_s, fast_s=self._fast_s))

    def remaining_s(self) -> float:
        return self._timer.remainingTime() / 1000.0 if self._timer.isActive() else -1.0

    @property
    def scheduled_s(self) -> float:
        """The delay the next check was set for; Qt may fire a coarse timer up to 5% off it."""
        return self._timer.interval() / 1000.0

    def _schedule(self, seconds: float) -> None:
        self._timer.start(max(0, int(seconds * 1000)))
