"""What a run (or a preview) produced, in terms the UI and the CLI can show as they are."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from app.domain.outcomes import Outcome
from app.domain.user_error import UserError
from app.engine.wording import run_headline, stopped_step


class RunStatus(StrEnum):
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # finished; some records failed or conflicted
    NEEDS_ATTENTION = "needs_attention"  # stopped: QuickBooks or Salesforce needs a person
    STOPPED_LIMIT = "stopped_limit"  # stopped before crossing the Salesforce API reserve
    CANCELLED = "cancelled"
    FAILED = "failed"


#: The endings where every chosen step ran.
FINISHED = frozenset({RunStatus.SUCCEEDED, RunStatus.PARTIAL})


@dataclass(frozen=True, kw_only=True)
class PlannedAction:
    """One line of a preview: what a run would do to one record."""

    workflow: str
    action: str  # "create", "update", "link", "mark deleted", "unchanged", "problem"
    target: str  # "Salesforce" or "QuickBooks"
    record: str  # a name the bookkeeper recognises (ref number, customer name)
    qb_id: str | None = None
    sf_id: str | None = None
    detail: str = ""


@dataclass
class RunResult:
    run_id: int
    status: RunStatus
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    error: UserError | None = None
    planned: list[PlannedAction] = field(default_factory=list)

    def count(self, outcome: Outcome | str, workflow: str | None = None) -> int:
        if workflow is not None:
            return self.counts.get(workflow, Counter())[str(outcome)]
        return sum(c[str(outcome)] for c in self.counts.values())

    @property
    def problems(self) -> int:
        return self.count(Outcome.FAILED) + self.count(Outcome.CONFLICT)

    def summary(self) -> dict[str, dict[str, int]]:
        return {wf: dict(c) for wf, c in self.counts.items()}

    def headline(self) -> str:
        written = self.count(Outcome.CREATED) + self.count(Outcome.UPDATED)
        stopped_at = "" if self.status in FINISHED else stopped_step(self.counts)
        headline = run_headline(self.status, written, self.count(Outcome.FAILED), stopped_at)
        conflicts = self.count(Outcome.CONFLICT)
        if conflicts:
            headline = f"{headline[:-1]}, {conflicts:,} changed on both sides."
        return headline
