"""The words the tray and the terminal share: steps by one name, counts in words, local times,
and how a run ended. No Qt."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from app.domain.workflows import ALL_WORKFLOWS, workflow


# -- words ------------------------------------------------------------------------------------
def count_of(n: int, noun: str, plural: str | None = None) -> str:
    """'1 record', '7 records', '0 records'."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


#: Outcomes said as nouns ("2 warnings"); the others are past participles ("2 created").
_OUTCOME_NOUNS = frozenset({"warning", "conflict"})


def outcomes_text(counts: Mapping[str, int]) -> str:
    """Records per outcome, e.g. "6 created, 39 unchanged, 2 warnings"; empty when none."""
    return ", ".join(
        count_of(n, outcome) if outcome in _OUTCOME_NOUNS else f"{n:,} {outcome}"
        for outcome, n in sorted(counts.items())
        if n
    )


#: Steps of a run that are not workflows.
_OTHER_STEPS = {"reconciliation": "Check of the books"}


def step_title(workflow_id: str) -> str:
    """A step as the tray and the terminal both name it, e.g. "Invoices"."""
    if workflow_id in _OTHER_STEPS:
        return _OTHER_STEPS[workflow_id]
    try:
        return workflow(workflow_id).title
    except ValueError:
        return workflow_id.replace("_", " ").capitalize()


def step_width() -> int:
    """Wide enough for every step's name, for columns of steps."""
    return max(len(step_title(w)) for w in (*ALL_WORKFLOWS, *_OTHER_STEPS))


def local_time(iso: str | None, now: datetime | None = None) -> str:
    """A stored UTC time as a person reads it: "14:05" today, "yesterday 09:12", "3 Jun 14:05"."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    moment = moment.astimezone() if moment.tzinfo is not None else moment
    today = (now or datetime.now(moment.tzinfo)).date()
    clock = moment.strftime("%H:%M")
    if moment.date() == today:
        return clock
    if moment.date() == today - timedelta(days=1):
        return f"yesterday {clock}"
    if moment.year == today.year:
        return f"{moment.day} {moment.strftime('%b')} {clock}"
    return f"{moment.day} {moment.strftime('%b %Y')} {clock}"


def run_headline(status: str, written: int, failed: int, stopped_at: str = "") -> str:
    """How a run ended (`status` a RunStatus value), for the result window, notifications and
    the terminal."""
    counted = count_of(written, "record") + " written"
    if failed:
        counted += f", {failed:,} failed"
    at = f" at {step_title(stopped_at)}" if stopped_at else ""
    return {
        "succeeded": f"Sync finished: {counted}.",
        "partial": f"Sync finished, but not every record: {counted}.",
        "needs_attention": f"Sync stopped{at}: {counted}.",
        "stopped_limit": f"Sync paused{at} to stay within the Salesforce API limit: {counted}.",
        "cancelled": f"Sync cancelled{at}: {counted}, kept.",
        "failed": f"Sync failed{at}: {counted}.",
    }[status]


def stopped_step(summary: Mapping[str, object], chosen: Iterable[str] = ()) -> str:
    """The step a stopped run stopped at: the last, in run order, that it had begun."""
    begun = [w for w in ALL_WORKFLOWS if w in summary]
    if begun:
        return begun[-1]
    return next(iter(w for w in ALL_WORKFLOWS if w in set(chosen)), "")
