"""Everything one run's workflows share: clients, store, field maps, settings, reporting, limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.errors import salesforce_limit_reserve
from app.domain.fieldmap import MappingConfig
from app.domain.workflows import ALL_WORKFLOWS, WorkflowId
from app.engine.events import CancelledError, CancelToken, Progress, ProgressCallback
from app.engine.recorder import RunRecorder
from app.engine.result import PlannedAction
from app.quickbooks import QuickBooks
from app.salesforce.client import SalesforceClient
from app.store import RunItem, Store
from app.store.settings import ALLOW_DUPLICATE_ACCOUNTS, API_RESERVE, BULK_THRESHOLD, WORKFLOWS


@dataclass(frozen=True)
class EngineSettings:
    #: A QuickBooks -> Salesforce read larger than this goes through Bulk API 2.0.
    bulk_threshold: int = BULK_THRESHOLD.default
    #: Re-read this much before each cursor: late commits carry earlier stamps.
    overlap: timedelta = timedelta(minutes=5)
    #: Share of the daily Salesforce API limit a run must leave for everyone else.
    api_reserve: float = API_RESERVE.default
    #: QuickBooks pages read ahead of the Salesforce writer.
    read_ahead: int = 4
    #: Retries of records that hit a Salesforce row lock.
    row_lock_retries: int = 3
    #: New accounts a Salesforce duplicate rule only warns about are saved anyway.
    allow_duplicate_accounts: bool = ALLOW_DUPLICATE_ACCOUNTS.default
    bulk_poll_s: float = 0.5

    @classmethod
    def saved(cls, store: Store) -> EngineSettings:
        """The tuning saved in `store` (DamagedSettingError names a wrongly typed value)."""
        return cls(
            api_reserve=store.get(API_RESERVE),
            bulk_threshold=store.get(BULK_THRESHOLD),
            allow_duplicate_accounts=store.get(ALLOW_DUPLICATE_ACCOUNTS),
        )


def enabled_workflows(store: Store) -> list[WorkflowId]:
    """The workflows switched on, in sync order; a workflow never switched off is on."""
    chosen = store.get(WORKFLOWS)
    return [w for w in ALL_WORKFLOWS if chosen.get(w, True)]


class ApiReserveReachedError(Exception):
    def __init__(self, used: int, limit: int) -> None:
        self.error = salesforce_limit_reserve(used, limit)
        super().__init__(self.error.title)


@dataclass
class RunContext:
    store: Store
    quickbooks: QuickBooks
    salesforce: SalesforceClient
    mapping: MappingConfig
    settings: EngineSettings
    recorder: RunRecorder
    cancel: CancelToken
    progress: ProgressCallback
    dry_run: bool = False
    planned: list[PlannedAction] = field(default_factory=list)
    #: Only these QuickBooks / Salesforce ids (retry-failed, reconciliation repairs).
    only_qb_ids: dict[str, set[str]] | None = None
    only_sf_ids: dict[str, set[str]] | None = None
    #: The earlier run items of chosen QuickBooks ids, by workflow and id: the list each was
    #: read from and the name it was shown under.
    earlier_items: dict[str, dict[str, RunItem]] = field(default_factory=dict)
    #: Lookups worth keeping for the length of one run (e.g. the Salesforce account index).
    cache: dict[str, Any] = field(default_factory=dict)

    def check_cancel(self) -> None:
        if self.cancel.cancelled:
            raise CancelledError

    def check_api_reserve(self) -> None:
        used, limit = self.salesforce.session.api_used, self.salesforce.session.api_max
        if used is None or not limit:
            return
        if used >= limit * (1 - self.settings.api_reserve):
            raise ApiReserveReachedError(used, limit)

    def report(self, workflow: str, phase: str, done: int = 0, total: int | None = None) -> None:
        counts = dict(self.recorder.counts.get(workflow, {}))
        self.progress(Progress(workflow, phase, done, total, counts))

    def plan(self, action: PlannedAction) -> None:
        """Kept for previews only: a real run of 100,000 records must not hold 100,000 plans."""
        if self.dry_run:
            self.planned.append(action)


def parse_stamp(value: str) -> datetime:
    """A QuickBooks or Salesforce timestamp as an aware datetime (`+0000` and `Z` accepted)."""
    text = value.strip().replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    stamp = datetime.fromisoformat(text)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def later(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if parse_stamp(a) >= parse_stamp(b) else b
