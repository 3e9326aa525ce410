"""What the tray shows: the facts the app knows, one status drawn from them, and its wording.

Pure code, no Qt. The status is the engine's health `Status`, whose precedence is written there
(NOT_SET_UP, SYNCING, NEEDS_ATTENTION, ERROR, OFFLINE, HEALTHY: the first that applies wins).
`derive_status` adds what only the tray knows (a run going, the last run's outcome) and
`present` turns the status into the icon name, the tooltip and the menu's status line.
"""

from __future__ import annotations

from dataclasses import dataclass

from app import APP_NAME
from app.domain.user_error import UserError
from app.engine.health import Status, status_for
from app.engine.result import RunStatus
from app.ui.timefmt import local_minute

#: Windows cuts tray tooltips at 128 characters, terminator included.
TOOLTIP_LIMIT = 127


@dataclass(frozen=True)
class LastRun:
    run_id: int
    status: RunStatus
    headline: str
    finished_at: str = ""
    problems: int = 0


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
    last_run: LastRun | None = None
    review_count: int = 0


@dataclass(frozen=True)
class StatusView:
    status: Status
    icon: str
    tooltip: str
    line: str


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
    if facts.last_run is not None and (
        facts.last_run.status is RunStatus.FAILED or facts.last_run.problems
    ):
        applicable.append(Status.ERROR)
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
    if status in (Status.NEEDS_ATTENTION, Status.OFFLINE) and facts.problem:
        return facts.problem.title
    if status is Status.ERROR:
        if facts.problem is not None and derive_problem(facts) is Status.ERROR:
            return facts.problem.title
        if facts.last_run is not None:
            return facts.last_run.headline.rstrip(".")
        return "The last sync had problems"
    if facts.last_run is not None:
        when = local_minute(facts.last_run.finished_at)
        return f"Up to date (last sync {when})" if when else "Up to date"
    return "Connected; not synced yet"


def derive_problem(facts: TrayFacts) -> Status | None:
    if facts.problem is None:
        return None
    return facts.problem_status or status_for(facts.problem)


def _tooltip(line: str) -> str:
    text = f"{APP_NAME}\n{line}"
    if len(text) <= TOOLTIP_LIMIT:
        return text
    return text[: TOOLTIP_LIMIT - 1].rstrip() + "…"
