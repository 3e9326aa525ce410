"""What the tray shows: the facts the app knows, one status drawn from them, and its wording.

Pure code, no Qt. The status is the engine's health `Status`, whose precedence is written there
(NOT_SET_UP, SYNCING, NEEDS_ATTENTION, ERROR, OFFLINE, HEALTHY: the first that applies wins).
`derive_status` adds what only the tray knows (a run going, the last run's outcome) and
`present` turns the status into the icon name, the tooltip and the menu's status line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app import APP_NAME
from app.domain.user_error import UserError
from app.engine.health import Status, status_for
from app.engine.standing import Standing, State

#: Windows cuts tray tooltips at 128 characters, terminator included.
TOOLTIP_LIMIT = 127
#: Conductor's codes for QuickBooks waiting on a window open on its PC (a dialog, a record).
QUICKBOOKS_DIALOG_CODES = ("0x80040414", "3170", "3175", "QBD_REQUEST_TIMEOUT")
QUICKBOOKS_BLOCKED_LINE = "QuickBooks is blocked: close the open window in QuickBooks"


@dataclass(frozen=True)
class TrayFacts:
    set_up: bool = False
    syncing: bool = False
    #: What the running sync does now, e.g. "Invoices 120 of 300".
    activity: str = ""
    #: The newest problem from a connection check or a stopped run; None once a check passes.
    problem: UserError | None = None
    #: Where that problem puts the tray (the health model's verdict on it).
    problem_status: Status | None = None
    #: Where the two sides stand after the last syncs (see `app.engine.standing`).
    standing: Standing | None = None
    review_count: int = 0
    #: Matches and conflicts waiting for the bookkeeper.
    matches_count: int = 0


@dataclass(frozen=True)
class StatusView:
    status: Status
    icon: str
    tooltip: str
    line: str


#: A sync that did not finish waits for a click (amber); failed records or books that differ are
#: errors (red). Only a standing in step leaves the tray healthy.
STANDING_STATUS = {
    State.STOPPED: Status.NEEDS_ATTENTION,
    State.CANCELLED: Status.NEEDS_ATTENTION,
    State.FAILED: Status.ERROR,
    State.RECORDS_FAILED: Status.ERROR,
    State.BOOKS_DIFFER: Status.ERROR,
    State.BOOKS_UNCHECKED: Status.ERROR,
}


def slug(status: Status) -> str:
    return status.value.replace("_", "-")


def derive_status(facts: TrayFacts) -> Status:
    applicable = [Status.HEALTHY]
    if not facts.set_up:
        applicable.append(Status.NOT_SET_UP)
    if facts.syncing:
        applicable.append(Status.SYNCING)
    problem = derive_problem(facts)
    if problem is not None:
        applicable.append(problem)
    if facts.standing is not None and facts.standing.state in STANDING_STATUS:
        applicable.append(STANDING_STATUS[facts.standing.state])
    return min(applicable, key=lambda s: s.rank)


def present(facts: TrayFacts) -> StatusView:
    status = derive_status(facts)
    line = _line(status, facts)
    return StatusView(status, f"tray-{slug(status)}", _tooltip(line), line)


def _line(status: Status, facts: TrayFacts) -> str:
    if status is Status.NOT_SET_UP:
        if facts.set_up and facts.problem is not None:
            return facts.problem.title
        return "Not set up yet: open Set up… to connect"
    if status is Status.SYNCING:
        return f"Syncing: {facts.activity}" if facts.activity else "Syncing…"
    problem = derive_problem(facts)
    if facts.problem is not None and problem is not None and problem.rank <= status.rank:
        if blocked_by_a_window(facts.problem):
            return QUICKBOOKS_BLOCKED_LINE
        return facts.problem.title
    if facts.standing is None or facts.standing.state is State.NEVER_SYNCED:
        return "Connected; not synced yet"
    return facts.standing.line


def blocked_by_a_window(error: UserError) -> bool:
    """QuickBooks waits on a window someone must close at its PC."""
    return any(code in error.code for code in QUICKBOOKS_DIALOG_CODES)


def derive_problem(facts: TrayFacts) -> Status | None:
    if facts.problem is None:
        return None
    return facts.problem_status or status_for(facts.problem)


def marked(view: StatusView, marker: str) -> StatusView:
    """The view with the app's name marked in the tooltip, e.g. "… (demo)"."""
    return replace(view, tooltip=_tooltip(view.line, f"{APP_NAME} {marker}"))


def _tooltip(line: str, name: str = APP_NAME) -> str:
    text = f"{name}\n{line}"
    if len(text) <= TOOLTIP_LIMIT:
        return text
    return text[: TOOLTIP_LIMIT - 1].rstrip() + "…"
