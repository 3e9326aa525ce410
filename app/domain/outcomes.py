"""Per-record results: what happened to one record in a run, and why it was not synced."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.domain.user_error import UserError


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    CONFLICT = "conflict"
    FAILED = "failed"
    #: Needs a person's eye but is no failure, e.g. a payment that looks entered twice.
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One reason a record cannot be synced, written for the bookkeeper.

    `field` names the field the person has to fix (on the side that owns it), `code` is a stable
    identifier for tests, filters and history exports.
    """

    message: str
    field: str | None = None
    code: str = "invalid"


@dataclass(frozen=True)
class MapResult:
    """Either a mapped record or the problems that stopped it; never both, never neither."""

    record: dict[str, Any] | None
    problems: tuple[Problem, ...] = ()

    def __post_init__(self) -> None:
        if (self.record is None) == (not self.problems):
            raise ValueError("a MapResult holds a record or problems, not both or neither")

    @property
    def ok(self) -> bool:
        return self.record is not None

    @classmethod
    def mapped(cls, record: dict[str, Any]) -> MapResult:
        return cls(record=record)

    @classmethod
    def failed(cls, problems: list[Problem] | tuple[Problem, ...]) -> MapResult:
        return cls(record=None, problems=tuple(problems))


@dataclass(frozen=True)
class RecordOutcome:
    """What a run did with one record; the engine stores it as a run item."""

    workflow: str
    record_key: str
    outcome: Outcome
    label: str = ""
    qb_id: str | None = None
    sf_id: str | None = None
    problems: tuple[Problem, ...] = ()
    error: UserError | None = None
    notes: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """The plain-language reason shown in history, or an empty string when all went well."""
        if self.error is not None:
            return f"{self.error.what_happened} {self.error.what_to_do}".strip()
        return " ".join(problem.message for problem in self.problems)

    @property
    def code(self) -> str | None:
        if self.error is not None:
            return self.error.code
        if self.problems:
            return self.problems[0].code
        return None
