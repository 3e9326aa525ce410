"""Notifications: per-kind switches, a quiet start, no repeats, and a click opens the target."""

from __future__ import annotations

from typing import Any

from app.domain.errors import from_conductor, from_oauth
from app.engine.result import RunResult, RunStatus
from app.ui.notifier import (
    QUICKBOOKS_BLOCKED_TEXT,
    Notice,
    NoticeKind,
    Notifier,
    notice_for_problem,
    notice_for_run,
)
from app.ui.poller import (
    FAILING_CAP_S,
    FAILING_FIRST_S,
    FAST_CHECKS,
    FAST_S,
    INTERVAL_S,
    HealthPoller,
    next_delay,
)
from app.ui.targets import Place, Target

QB_DIALOG = from_conductor(
    {
        "error": {
            "type": "INTEGRATION_CONNECTION_ERROR",
            "code": "QBD_CONNECTION_ERROR",
            "integrationCode": "0x80040414",
            "message": "A modal dialog box is showing in the QuickBooks user interface.",
            "userFacingMessage": "We could not connect to QuickBooks Desktop because a window is "
            "open in QuickBooks. To fix this, close it, then try again.",
        }
    },
    502,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def notifier(qtbot: Any, *, quiet_s: float = 60.0, off: set[NoticeKind] = frozenset()) -> Any:
    shown: list[Notice] = []
    clock = Clock()
    n = Notifier(shown.append, lambda kind: kind not in off, quiet_s=quiet_s, clock=clock)
    return n, shown, clock


def test_the_quickbooks_dialog_notice_says_what_to_close() -> None:
    notice = notice_for_problem(QB_DIALOG)
    assert notice is not None
    assert notice.kind is NoticeKind.QUICKBOOKS_BLOCKED
    assert notice.text == QUICKBOOKS_BLOCKED_TEXT
    assert notice.target == Target(Place.ERROR, error=QB_DIALOG)


def test_sign_in_expired_opens_the_salesforce_sign_in() -> None:
    notice = notice_for_problem(from_oauth("invalid_grant", "expired access/refresh token"))
    assert notice is not None and notice.kind is NoticeKind.SIGN_IN_EXPIRED
    assert notice.target == Target(Place.SETUP, page="salesforce")


def test_a_run_with_problems_opens_its_history() -> None:
    result = RunResult(7, RunStatus.PARTIAL)
    notice = notice_for_run(result)
    assert notice is not None and notice.kind is NoticeKind.SYNC_PROBLEMS
    assert notice.target == Target(Place.HISTORY, run_id=7)
    finished = notice_for_run(RunResult(8, RunStatus.SUCCEEDED))
    assert finished is not None and finished.kind is NoticeKind.SYNC_FINISHED
    assert not NoticeKind.SYNC_FINISHED.on_by_default


def test_quiet_start_switches_and_repeats(qtbot: Any) -> None:
    n, shown, clock = notifier(qtbot, off={NoticeKind.SYNC_PROBLEMS})
    blocked = notice_for_problem(QB_DIALOG)
    assert not n.notify(blocked), "nothing in the first minute"
    clock.now += 61
    assert n.notify(blocked)
    assert not n.notify(blocked), "the same notice is not repeated at once"
    assert not n.notify(notice_for_run(RunResult(1, RunStatus.PARTIAL))), "switched off"
    n.forget(NoticeKind.QUICKBOOKS_BLOCKED)
    assert n.notify(blocked), "told again after the problem had cleared"
    clock.now += 31 * 60
    assert n.notify(blocked)
    assert len(shown) == 3


def test_a_click_opens_what_the_last_notice_spoke_of(qtbot: Any) -> None:
    n, _shown, _clock = notifier(qtbot, quiet_s=0)
    opened: list[Target] = []
    n.open_target.connect(opened.append)
    n.clicked()
    assert opened == []
    n.notify(notice_for_run(RunResult(3, RunStatus.PARTIAL)))
    n.notify(notice_for_problem(QB_DIALOG))
    n.clicked()
    assert opened == [Target(Place.ERROR, error=QB_DIALOG)]


def test_polling_checks_often_after_a_problem_then_backs_off() -> None:
    assert next_delay(0) == INTERVAL_S
    assert next_delay(1) == FAST_S < FAILING_FIRST_S
    assert next_delay(FAST_CHECKS) == FAST_S
    assert next_delay(FAST_CHECKS + 1) == FAILING_FIRST_S
    assert next_delay(FAST_CHECKS + 2) == 2 * FAILING_FIRST_S
    assert next_delay(FAST_CHECKS + 20) == FAILING_CAP_S


def test_the_poller_waits_before_its_first_check(qtbot: Any) -> None:
    checks: list[int] = []
    poller = HealthPoller(lambda: checks.append(1), first_s=0.05, interval_s=0.05)
    poller.start()
    assert checks == [] and poller.active and poller.scheduled_s == 0.05
    qtbot.waitUntil(lambda: checks == [1], timeout=2_000)
    poller.checked(False)
    assert poller.failures == 1 and poller.active
    # The delay set, not the timer's reading: a coarse Qt timer may run up to 5% past it.
    assert poller.scheduled_s == FAST_S
    poller.checked(True)
    assert poller.failures == 0 and poller.scheduled_s == 0.05
    poller.stop()
    assert not poller.active
