"""Collecting per-record outcomes and committing them with links and cursors in one transaction."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from app.domain.outcomes import Outcome
from app.store import Link, RunItem, Store


@dataclass(frozen=True)
class ItemOutcome:
    workflow: str
    record_key: str
    outcome: Outcome
    qb_id: str | None = None
    sf_id: str | None = None
    code: str | None = None
    message: str | None = None
    details: str | None = None


class RunRecorder:
    """Counts every outcome; stores every outcome except `unchanged` as a run item."""

    def __init__(self, store: Store, run_id: int, *, dry_run: bool) -> None:
        self.store = store
        self.run_id = run_id
        self.dry_run = dry_run
        self.counts: dict[str, Counter[str]] = {}

    def count(self, workflow: str, outcome: Outcome, n: int = 1) -> None:
        self.counts.setdefault(workflow, Counter())[outcome.value] += n

    def commit(
        self,
        items: list[ItemOutcome],
        links: list[Link] = (),  # type: ignore[assignment]
        cursor: tuple[str, str, str] | None = None,
    ) -> None:
        """Outcomes, links and (optionally) a cursor, atomically; a preview commits nothing."""
        for item in items:
            self.count(item.workflow, item.outcome)
        if self.dry_run:
            return
        rows = [
            RunItem(
                self.run_id,
                i.workflow,
                i.record_key,
                i.outcome.value,
                qb_id=i.qb_id,
                sf_id=i.sf_id,
                code=i.code,
                message=i.message,
                details=i.details,
            )
            for i in items
            if i.outcome is not Outcome.UNCHANGED
        ]
        with self.store.transaction():
            if links:
                self.store.upsert_links(links)
            if rows:
                self.store.add_run_items(rows)
            if cursor is not None:
                self.store.set_cursor(*cursor)
