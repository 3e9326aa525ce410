"""The run report an accountant can file: who ran the sync and when, every record it touched
linked both ways (QuickBooks id and ref number, Salesforce id), the before -> after values of
the fields it changed, what needs attention, and the reconciliation that followed.

This module gathers the report from the store and writes it as CSV; `app.reports.pdf` renders
the same report as a PDF.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from app.domain.outcomes import Outcome
from app.domain.spreadsheet import SafeCsvWriter
from app.domain.workflows import WORKFLOWS, WorkflowId
from app.engine.books.model import Reconciliation
from app.engine.books.saved import for_run
from app.engine.wording import outcomes_text
from app.store import Run, RunItem, Store

#: Outcomes that need a person's eye, most urgent first.
ATTENTION = (Outcome.FAILED, Outcome.CONFLICT, Outcome.WARNING, Outcome.SKIPPED)
TRIGGERS = {
    "cli": "the command line",
    "tray": "the tray",
    "timer": "the timed sync",
    "retry": "Retry failed",
    "review": "the review queue (approval)",
    "preview": "a preview",
    "demo": "demo mode",
    "self-test": "the self-test",
    "reconcile fix": "the reconciliation's Fix",
}
RECORD_COLUMNS = (
    "workflow",
    "record",
    "outcome",
    "quickbooks_id",
    "salesforce_id",
    "field",
    "before",
    "after",
    "code",
    "message",
)
DIFFERENCE_COLUMNS = (
    "workflow",
    "difference",
    "quickbooks_id",
    "ref_number",
    "customer",
    "quickbooks_amount",
    "salesforce_amount",
    "salesforce_id",
    "detail",
)


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any

    def text(self) -> str:
        return f"{self.field}: {shown(self.before)} -> {shown(self.after)}"


@dataclass(frozen=True)
class ReportRecord:
    workflow: str
    record: str  # the QuickBooks ref number (invoices, payments) or name
    outcome: str
    quickbooks_id: str | None
    salesforce_id: str | None
    code: str | None = None
    message: str | None = None
    changes: tuple[Change, ...] = ()

    @property
    def needs_attention(self) -> bool:
        return self.outcome in {o.value for o in ATTENTION}


@dataclass
class RunReport:
    run: Run
    records: list[ReportRecord]
    reconciliation: Reconciliation | None
    generated_at: str = field(default_factory=lambda: _local(datetime.now().astimezone()))

    @property
    def title(self) -> str:
        kind = " (preview: nothing was written)" if self.run.dry_run else ""
        return f"Sync run #{self.run.id}{kind}"

    @property
    def ran_by(self) -> str:
        return f"{self.run.os_user}, from {TRIGGERS.get(self.run.trigger, self.run.trigger)}"

    @property
    def started(self) -> str:
        return _local_text(self.run.started_at)

    @property
    def finished(self) -> str:
        return _local_text(self.run.finished_at) if self.run.finished_at else "still running"

    @property
    def attention(self) -> list[ReportRecord]:
        rank = {o.value: n for n, o in enumerate(ATTENTION)}
        found = [r for r in self.records if r.needs_attention]
        return sorted(found, key=lambda r: rank[r.outcome])

    def totals(self) -> list[tuple[str, str]]:
        """(workflow title, "3 created, 1 updated") per workflow, in sync order."""
        rows = []
        for definition in WORKFLOWS.values():
            counts = self.run.summary.get(definition.id.value) or {}
            parts = outcomes_text(counts)
            if parts:
                rows.append((definition.title, parts))
        return rows

    def facts(self) -> list[tuple[str, str]]:
        rows = [
            ("Run", f"#{self.run.id}"),
            ("Ran by", self.ran_by),
            ("Started", self.started),
            ("Finished", self.finished),
            ("Result", self.run.status.replace("_", " ")),
        ]
        if self.run.message:
            rows.append(("Message", self.run.message))
        rows.extend(self.totals())
        rows.append(("Report made", self.generated_at))
        return rows

    def summary_lines(self) -> list[str]:
        lines = [self.title]
        lines.extend(f"  {name}: {value}" for name, value in self.facts()[1:])
        if self.reconciliation is not None:
            lines.append("Reconciliation:")
            lines.extend(f"  {line}" for line in self.reconciliation.report_lines())
        if self.attention:
            lines.append("Needs attention:")
            lines.extend(
                f"  {r.workflow} {r.record} ({r.outcome}): {r.message or r.code or ''}"
                for r in self.attention
            )
        return lines


def build(store: Store, run_id: int) -> RunReport | None:
    run = store.get_run(run_id)
    if run is None:
        return None
    items = store.run_items(run_id)
    changes: dict[tuple[str, str], list[Change]] = {}
    for change in store.field_changes(run_id):
        key = (change.workflow.split(":", 1)[0], change.qb_id)
        changes.setdefault(key, []).append(Change(change.field, change.before, change.after))
    salesforce_ids = _salesforce_ids(store, items)
    quickbooks_ids = _quickbooks_ids(store, items)
    records = [
        ReportRecord(
            workflow=item.workflow,
            record=item.record_key,
            outcome=item.outcome,
            quickbooks_id=item.qb_id or quickbooks_ids.get((item.workflow, item.sf_id or "")),
            salesforce_id=item.sf_id or salesforce_ids.get((item.workflow, item.qb_id or "")),
            code=item.code,
            message=item.message,
            changes=tuple(changes.get((item.workflow, item.qb_id or ""), ())),
        )
        for item in items
    ]
    order = {d.id.value: d.order for d in WORKFLOWS.values()}
    records.sort(key=lambda r: order.get(r.workflow, 99))
    return RunReport(run, records, for_run(store, run_id))


def _salesforce_ids(store: Store, items: Iterable[RunItem]) -> dict[tuple[str, str], str]:
    """Salesforce ids the ledger knows for records whose run item has none (e.g. failures)."""
    wanted: dict[str, list[str]] = {}
    for item in items:
        if item.qb_id and not item.sf_id:
            wanted.setdefault(item.workflow, []).append(item.qb_id)
    found: dict[tuple[str, str], str] = {}
    for workflow, qb_ids in wanted.items():
        for qb_id, link in store.links_by_qb(workflow, qb_ids).items():
            if link.sf_id:
                found[(workflow, qb_id)] = link.sf_id
    return found


def _quickbooks_ids(store: Store, items: Iterable[RunItem]) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for item in items:
        if item.sf_id and not item.qb_id:
            link = store.link_by_sf(item.workflow, item.sf_id)
            if link is not None:
                found[(item.workflow, item.sf_id)] = link.qb_id
    return found


# -- CSV ----------------------------------------------------------------------------------------


def write_csv(report: RunReport, path: Path) -> None:
    """Three parts a spreadsheet opens as they are: the run, its records (one row per changed
    field), and the reconciliation with the records it found different."""
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = SafeCsvWriter(handle)
        writer.writerow([report.title])
        writer.writerows(report.facts())
        writer.writerow([])
        writer.writerow(["Records"])
        writer.writerow(RECORD_COLUMNS)
        for record in report.records:
            base = [
                record.workflow,
                record.record,
                record.outcome,
                record.quickbooks_id or "",
                record.salesforce_id or "",
            ]
            tail = [record.code or "", record.message or ""]
            if not record.changes:
                writer.writerow([*base, "", "", "", *tail])
            for change in record.changes:
                writer.writerow(
                    [*base, change.field, shown(change.before), shown(change.after), *tail]
                )
        writer.writerow([])
        writer.writerow(["Reconciliation"])
        if report.reconciliation is None:
            writer.writerow(["This run was not followed by a reconciliation."])
        else:
            _reconciliation_rows(writer, report.reconciliation)


def write_reconciliation_csv(reconciliation: Reconciliation, path: Path | str) -> None:
    with Path(path).open("w", newline="", encoding="utf-8-sig") as handle:
        writer = SafeCsvWriter(handle)
        writer.writerow(["Reconciliation", reconciliation.checked_at])
        _reconciliation_rows(writer, reconciliation)


def _reconciliation_rows(writer: Any, reconciliation: Reconciliation) -> None:
    writer.writerows([line] for line in reconciliation.report_lines())
    writer.writerow(DIFFERENCE_COLUMNS)
    for d in reconciliation.differences:
        writer.writerow(
            [
                d.workflow,
                d.kind.value,
                d.qb_id or "",
                d.ref,
                d.customer,
                "" if d.quickbooks_amount is None else str(d.quickbooks_amount),
                "" if d.salesforce_amount is None else str(d.salesforce_amount),
                d.sf_id or "",
                d.detail,
            ]
        )


# -- words ------------------------------------------------------------------------------------


def shown(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def workflow_title(workflow: str) -> str:
    try:
        return WORKFLOWS[WorkflowId(workflow)].title
    except ValueError:
        return workflow


def _local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def _local_text(stamp: str) -> str:
    try:
        return _local(datetime.fromisoformat(stamp).astimezone())
    except ValueError:
        return stamp
