"""Desktop notifications: one way in, a switch per kind, a quiet start, and what a click opens.

`QSystemTrayIcon.messageClicked` does not say which message was clicked, so the notifier
remembers the target of the last one it showed and opens that.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QObject, Signal

from app.domain.user_error import ErrorAction, ErrorKind, UserError
from app.engine.result import RunResult, RunStatus
from app.store.settings import Setting, notification
from app.ui.status import blocked_by_a_window
from app.ui.targets import Place, Target

#: Nothing is shown this soon after start: the first checks may run before the network is up.
STARTUP_QUIET_S = 60.0
#: The same notice again is held back this long, so polling does not repeat it every minute.
REPEAT_AFTER_S = 30 * 60.0

QUICKBOOKS_BLOCKED_TEXT = (
    "A window is open in QuickBooks on this PC: close it, then click Try again."
)


class NoticeKind(StrEnum):
    QUICKBOOKS_BLOCKED = "quickbooks_blocked"
    SIGN_IN_EXPIRED = "sign_in_expired"
    SYNC_PROBLEMS = "sync_problems"
    SYNC_FINISHED = "sync_finished"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def on_by_default(self) -> bool:
        return self is not NoticeKind.SYNC_FINISHED


_LABELS = {
    NoticeKind.QUICKBOOKS_BLOCKED: "QuickBooks needs someone at its computer",
    NoticeKind.SIGN_IN_EXPIRED: "Salesforce sign-in expired",
    NoticeKind.SYNC_PROBLEMS: "A sync finished with problems",
    NoticeKind.SYNC_FINISHED: "Every finished sync",
}


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    title: str
    text: str
    target: Target
    warning: bool = True


def notice_setting(kind: NoticeKind) -> Setting[bool]:
    return notification(kind.value, kind.on_by_default)


def notice_for_problem(error: UserError) -> Notice | None:
    """The notice a connection problem deserves, or None for problems the tray alone shows."""
    target = Target(Place.ERROR, error=error)
    if error.action is ErrorAction.RECONNECT_SALESFORCE:
        return Notice(
            NoticeKind.SIGN_IN_EXPIRED,
            "Salesforce sign-in expired",
            "Click here to sign in to Salesforce again.",
            Target(Place.SETUP, page="salesforce"),
        )
    if error.kind is not ErrorKind.CONNECTION:
        return None
    if blocked_by_a_window(error):
        return Notice(
            NoticeKind.QUICKBOOKS_BLOCKED,
            "QuickBooks is blocked",
            QUICKBOOKS_BLOCKED_TEXT,
            target,
        )
    return Notice(NoticeKind.QUICKBOOKS_BLOCKED, error.title, error.what_to_do, target)


SETUP_FINISHED = "Setup finished"
SYNC_HINT = "Click Sync now in the tray menu to start the first sync."


def setup_finished_notice() -> Notice:
    """The hint the wizard's Finish leaves: what to click next."""
    return Notice(
        NoticeKind.SYNC_FINISHED, SETUP_FINISHED, SYNC_HINT, Target(Place.MENU), warning=False
    )


#: The notice title for each ending that is not a clean finish.
_RUN_TITLES = {
    RunStatus.PARTIAL: "Some records were not synced",
    RunStatus.FAILED: "Sync failed",
    RunStatus.STOPPED_LIMIT: "Sync paused",
    RunStatus.NEEDS_ATTENTION: "Sync stopped",
}


def notice_for_run(result: RunResult) -> Notice | None:
    target = Target(Place.HISTORY, run_id=result.run_id)
    if result.status is RunStatus.NEEDS_ATTENTION and result.error is not None:
        return notice_for_problem(result.error) or Notice(
            NoticeKind.SYNC_PROBLEMS,
            _RUN_TITLES[result.status],
            result.headline(),
            Target(Place.ERROR, error=result.error),
        )
    if result.status in _RUN_TITLES:
        return Notice(
            NoticeKind.SYNC_PROBLEMS, _RUN_TITLES[result.status], result.headline(), target
        )
    if result.status is RunStatus.SUCCEEDED:
        return Notice(
            NoticeKind.SYNC_FINISHED, "Sync finished", result.headline(), target, warning=False
        )
    return None


class Notifier(QObject):
    """Decides whether a notice is shown; `show` draws it (a tray balloon or a banner)."""

    open_target = Signal(object)  # Target

    def __init__(
        self,
        show: Callable[[Notice], None],
        enabled: Callable[[NoticeKind], bool],
        *,
        quiet_s: float = STARTUP_QUIET_S,
        repeat_after_s: float = REPEAT_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._show = show
        self._enabled = enabled
        self._clock = clock
        self._quiet_until = clock() + quiet_s
        self._repeat_after_s = repeat_after_s
        self._shown_at: dict[tuple[NoticeKind, str], float] = {}
        self.last: Notice | None = None

    def notify(self, notice: Notice | None) -> bool:
        if notice is None or not self._enabled(notice.kind):
            return False
        now = self._clock()
        if now < self._quiet_until:
            return False
        key = (notice.kind, notice.text)
        shown = self._shown_at.get(key)
        if shown is not None and now - shown < self._repeat_after_s:
            return False
        self._shown_at[key] = now
        self.last = notice
        self._show(notice)
        return True

    def tell(self, notice: Notice) -> None:
        """The answer to something the person just did: shown at once, whatever the settings."""
        self.last = notice
        self._show(notice)

    def forget(self, kind: NoticeKind) -> None:
        """A problem that cleared may be told again the next time it comes."""
        for key in [k for k in self._shown_at if k[0] is kind]:
            del self._shown_at[key]

    def clicked(self) -> None:
        if self.last is not None:
            self.open_target.emit(self.last.target)
