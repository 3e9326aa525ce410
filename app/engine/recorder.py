"""Collecting per-record outcomes and committing them with links and cursors in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.outcomes import Outcome
from app.store import FieldChange, Link, RunItem, Store


@dataclass(frozen=True, kw_only=True)
class ItemOutcome:
    workflow: str
    record_key: str
    outcome: Outcome
    qb_id: str | None = None
    sf_id: str | None = None
    code: str | None = None
    message: str | None = None
    details: str | None = None
    #: The QuickBooks list the record was read from, e.g. "service_item".
    resource: str | None = None


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
        cursors: Sequence[tuple[str, str, str]] = (),
    ) -> None:
        """Outcomes, links and (optionally) cursors, atomically; a preview commits nothing."""
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
                resource=i.resource,
            )
            for i in items
            if i.outcome is not Outcome.UNCHANGED
        ]
        with self.store.transaction():
            if links:
                self._record_changes(links)
                self.store.upsert_links(links)
            if rows:
                self.store.add_run_items(rows)
            for each in [*([cursor] if cursor is not None else []), *cursors]:
                self.store.set_cursor(*each)

    def _record_changes(self, links: list[Link]) -> None:
        """Before -> after of every field a link's new content changes, for the run report."""
        by_workflow: dict[str, list[Link]] = {}
        for link in links:
            if link.content is not None:
                by_workflow.setdefault(link.workflow, []).append(link)
        changes: list[FieldChange] = []
        for workflow, written in by_workflow.items():
            previous = self.store.links_by_qb(workflow, [link.qb_id for link in written])
            for link in written:
                old = previous.get(link.qb_id)
                if old is None or old.content is None or link.content is None:
                    continue
                changes.extend(
                    FieldChange(self.run_id, workflow, link.qb_id, name, before, after)
                    for name, before, after in _changed(old.content, link.content)
                )
        if changes:
            self.store.add_field_changes(changes)


def _changed(
    before: Mapping[str, Any], after: Mapping[str, Any], prefix: str = ""
) -> Iterator[tuple[str, Any, Any]]:
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if isinstance(old, Mapping) or isinstance(new, Mapping):
            yield from _changed(
                old if isinstance(old, Mapping) else {},
                new if isinstance(new, Mapping) else {},
                f"{prefix}{key}.",
            )
        elif old != new:
            yield f"{prefix}{key}", old, new
