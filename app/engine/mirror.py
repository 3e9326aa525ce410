"""QuickBooks -> Salesforce mirrors (items, invoices, payments, customer balances).

Pages are read on a background thread while the previous page is written: Collections upserts of
200 on the workflow's External ID field, or one Bulk API 2.0 job for a large backfill. A record is
written only when its mapped content differs from the ledger's hash. Links, outcomes and the cursor
commit together; the cursor moves only when everything read was committed or failed for good.
"""

from __future__ import annotations

import csv
import logging
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from app.domain.errors import parse_bulk_error
from app.domain.hashing import content_hash
from app.domain.outcomes import Outcome
from app.domain.record_mapping import map_quickbooks_record, salesforce_json
from app.engine.books.sync_reads import note_read
from app.engine.context import RunContext, later, parse_stamp
from app.engine.odd_values import is_stamp, odd_record, odd_stamp, stamp_readable, too_large
from app.engine.pipeline import Prefetcher
from app.engine.recorder import ItemOutcome
from app.engine.result import PlannedAction
from app.engine.salesforce_results import (
    failure_text,
    first_error,
    outcome_of,
    read_again,
)
from app.quickbooks.client import Page
from app.salesforce.client import BulkResult
from app.store import Link

log = logging.getLogger(__name__)

#: Rows per transaction when committing a Bulk job's results.
COMMIT_CHUNK = 5000
#: Most rows per Bulk job: the first jobs run while QuickBooks is still being read.
BULK_PART_ROWS = 5000
#: Fewest rows per Bulk job, so a backfill takes few calls.
BULK_PART_MIN_ROWS = 500
#: The last rows of a backfill go through sObject Collections as their pages come: the user
#: would otherwise wait for a whole Bulk job (seconds, whatever its size) after the last page.
BULK_TAIL_ROWS = 600


def bulk_part_rows(total: int, sent: int = 0) -> int:
    """Rows for the next job of `total` Bulk rows with `sent` already in jobs: half of what is
    left, so jobs shrink toward the end and the one still running after the last page is small.
    9,400 rows make jobs of 4,700, 2,350, 1,175, 588 and 587."""
    left = total - sent
    half = max(BULK_PART_MIN_ROWS, min(BULK_PART_ROWS, -(-left // 2)))
    return left if left - half < BULK_PART_MIN_ROWS else half


#: Hook run on each page before writing: links parents, returns records it could not prepare.
BeforeWrite = Callable[[RunContext, list[dict[str, Any]]], list[ItemOutcome]]


@dataclass(frozen=True)
class MirrorSpec:
    workflow: str  # reported name, e.g. "invoices"
    link_key: str  # ledger key, e.g. "invoices" or "customers:balance"
    map_workflow: str  # field-map workflow id
    kinds: tuple[str, ...]  # QuickBooks list resources read
    sobject: str
    external_field: str
    label: Callable[[dict[str, Any]], str]
    filters: dict[str, Any] = field(default_factory=dict)
    before_write: BeforeWrite | None = None


@dataclass
class _Pending:
    record: dict[str, Any]
    mapped: dict[str, Any]
    digest: str
    link: Link | None
    kind: str  # the QuickBooks list it was read from

    @property
    def qb_id(self) -> str:
        return str(self.record["id"])


@dataclass
class _MirrorState:
    newest: str | None = None
    clean: bool = True
    read: int = 0
    total: int | None = None
    bulk_error: str = ""


#: Chosen QuickBooks records already read, by list, then by id.
Chosen = Mapping[str, Mapping[str, dict[str, Any]]]


#: Where a run keeps the readers started ahead of their workflow, by (ledger key, list).
READERS = "mirror.readers_ahead"


def read_ahead(ctx: RunContext, spec: MirrorSpec) -> None:
    """Start reading `spec`'s lists now, a few pages deep, while earlier work writes to
    Salesforce: QuickBooks answers one request at a time, and is otherwise idle meanwhile.

    Only what no earlier step of the run writes to QuickBooks is read ahead (not customers)."""
    if ctx.only_qb_ids is not None:
        return
    readers: dict[tuple[str, str], Prefetcher[Page]] = ctx.cache.setdefault(READERS, {})
    since = _since(ctx, spec)
    for kind in spec.kinds:
        if (spec.link_key, kind) not in readers:
            pages = _pages(ctx, spec, kind, since, None)
            readers[spec.link_key, kind] = Prefetcher(pages, depth=ctx.settings.read_ahead)


def close_readers(ctx: RunContext) -> None:
    """Readers started ahead that no step took (the run stopped first)."""
    for reader in ctx.cache.pop(READERS, {}).values():
        reader.close()


def _since(ctx: RunContext, spec: MirrorSpec) -> str | None:
    cursor_value = ctx.store.get_cursor(spec.link_key, "qb")
    if cursor_value and ctx.only_qb_ids is None:
        return (parse_stamp(cursor_value) - ctx.settings.overlap).isoformat(timespec="seconds")
    return None


def run_mirror(ctx: RunContext, spec: MirrorSpec, chosen: Chosen | None = None) -> None:
    """Mirror what QuickBooks changed since the cursor; or, with `chosen`, exactly those records."""
    state = _MirrorState(newest=ctx.store.get_cursor(spec.link_key, "qb"))
    since = _since(ctx, spec)
    ahead: dict[tuple[str, str], Prefetcher[Page]] = (
        ctx.cache.get(READERS, {}) if chosen is None and ctx.only_qb_ids is None else {}
    )
    ctx.report(spec.workflow, "reading")
    bulk: _BulkSpool | None = None
    jobs: _BulkJobs | None = None
    try:
        for kind in spec.kinds:
            reader = ahead.pop((spec.link_key, kind), None) or Prefetcher(
                _pages(ctx, spec, kind, since, chosen), depth=ctx.settings.read_ahead
            )
            for page in reader:
                ctx.check_cancel()
                if state.total is None and page.remaining is not None:
                    state.total = len(page.records) + page.remaining
                    if state.total > ctx.settings.bulk_threshold and not ctx.dry_run:
                        bulk = _BulkSpool(spec)
                        jobs = _BulkJobs(ctx, spec, bulk, state)
                        # Only where the tail is a small share of the backfill.
                        tail_rows = BULK_TAIL_ROWS if state.total >= 4 * BULK_TAIL_ROWS else 0
                        bulk_total, sent = state.total - tail_rows, 0
                        part_rows = bulk_part_rows(bulk_total)
                state.read += len(page.records)
                whole = since is None and chosen is None and ctx.only_qb_ids is None
                note_read(ctx.cache, kind, page.records, whole=whole)
                pending, outcomes = _prepare(ctx, spec, page.records, kind)
                if any(read_again(o.code or "", o.details or "") for o in outcomes):
                    state.clean = False  # e.g. an account the customer could not be linked to yet
                odd = _advance_cursor(spec, page.records, state, kind)
                if odd:
                    ctx.recorder.commit(odd)
                if bulk is not None and jobs is not None:
                    in_tail = (page.remaining or 0) < tail_rows
                    # A record a job still holds stays in Bulk: parts run in order, the later wins.
                    held: list[_Pending] = []
                    tail: list[_Pending] = []
                    for item in pending:
                        (held if not in_tail or bulk.holds(item.qb_id) else tail).append(item)
                    bulk.add(held)
                    if tail:
                        _write_page(ctx, spec, tail, outcomes, state)
                    else:
                        ctx.recorder.commit(outcomes)
                    for part in bulk.take_ready():
                        jobs.submit(part)
                    # A part that would leave too few rows for another job takes them too.
                    left = bulk_total - sent - bulk.rows_in_part
                    enough = left >= min(part_rows, BULK_PART_MIN_ROWS)
                    full = bulk.rows_in_part >= part_rows and enough
                    if full or (in_tail and bulk.rows_in_part):
                        sent += bulk.rows_in_part
                        jobs.submit(bulk.take_part())
                        part_rows = bulk_part_rows(bulk_total, sent)
                    jobs.collect()
                else:
                    _write_page(ctx, spec, pending, outcomes, state)
                ctx.report(spec.workflow, "writing", state.read, state.total)
        if bulk is not None and jobs is not None:
            jobs.submit(bulk.take_part())
            jobs.collect(wait=True)
            _report_unreported(ctx, spec, bulk, state)
    finally:
        if jobs is not None:
            jobs.finish()
        if bulk is not None:
            bulk.cleanup()
    if state.clean and state.newest and ctx.only_qb_ids is None and not ctx.dry_run:
        ctx.recorder.commit([], cursor=(spec.link_key, "qb", state.newest))


def _advance_cursor(
    spec: MirrorSpec, records: list[dict[str, Any]], state: _MirrorState, kind: str
) -> list[ItemOutcome]:
    """The cursor moves to the newest `updatedAt`; one that is not a timestamp is that record's
    problem, reported on it, and the run goes on."""
    odd: list[ItemOutcome] = []
    for record in records:
        stamp = record.get("updatedAt")
        if is_stamp(stamp):
            state.newest = later(state.newest, stamp)
        else:
            odd.append(odd_stamp(spec.workflow, spec.label(record), record, kind))
    return odd


def _pages(
    ctx: RunContext, spec: MirrorSpec, kind: str, since: str | None, chosen: Chosen | None
) -> Iterator[Page]:
    if chosen is not None:
        if chosen.get(kind):
            yield Page(list(chosen[kind].values()), 0)
        return
    if ctx.only_qb_ids is not None:
        ids = sorted(ctx.only_qb_ids.get(spec.workflow, set()))
        if ids:
            records = list(ctx.quickbooks.find_by_ids(kind, ids).values())
            yield Page(records, 0)
        return
    filters = dict(spec.filters)
    if since:
        filters["updated_after"] = since
    yield from ctx.quickbooks.pages(kind, **filters)


def _prepare(
    ctx: RunContext, spec: MirrorSpec, records: list[dict[str, Any]], kind: str
) -> tuple[list[_Pending], list[ItemOutcome]]:
    outcomes: list[ItemOutcome] = []
    if spec.before_write is not None and records:
        outcomes.extend(spec.before_write(ctx, records))
    skip = {o.qb_id for o in outcomes}
    links = ctx.store.links_by_qb(spec.link_key, [str(r.get("id")) for r in records])
    pending: list[_Pending] = []
    for record in records:
        qb_id = str(record.get("id"))
        if qb_id in skip:
            continue
        try:
            result = map_quickbooks_record(ctx.mapping, spec.map_workflow, stamp_readable(record))
            if result.record is not None:
                mapped = salesforce_json(result.record)
                digest = content_hash(mapped)
                if too_large(mapped):
                    raise OverflowError("a number too large to keep")
        except (ValueError, ArithmeticError, TypeError, AttributeError) as exc:
            outcomes.append(odd_record(spec.workflow, spec.label(record), record, exc))
            ctx.plan(_planned(spec, "problem", record, detail=str(exc)))
            continue
        if result.record is None:
            message = " ".join(p.message for p in result.problems)
            codes = ",".join(sorted({p.code for p in result.problems}))
            outcomes.append(
                ItemOutcome(
                    workflow=spec.workflow,
                    record_key=spec.label(record),
                    outcome=Outcome.FAILED,
                    qb_id=qb_id,
                    sf_id=None,
                    code=codes,
                    message=message,
                )
            )
            ctx.plan(_planned(spec, "problem", record, detail=message))
            continue
        link = links.get(qb_id)
        if link is not None and link.content_hash == digest and link.sf_id:
            outcomes.append(
                ItemOutcome(
                    workflow=spec.workflow,
                    record_key=spec.label(record),
                    outcome=Outcome.UNCHANGED,
                    qb_id=qb_id,
                    sf_id=link.sf_id,
                )
            )
            continue
        pending.append(_Pending(record, mapped, digest, link, kind))
        action = "update" if link is not None else "create or update"
        ctx.plan(_planned(spec, action, record, sf_id=link.sf_id if link else None))
    return pending, [_read_from(o, kind) for o in outcomes]


def _read_from(outcome: ItemOutcome, kind: str) -> ItemOutcome:
    """`outcome` with the QuickBooks list its record was read from, for a retry to ask."""
    return replace(outcome, resource=kind)


def _planned(
    spec: MirrorSpec,
    action: str,
    record: dict[str, Any],
    *,
    sf_id: str | None = None,
    detail: str = "",
) -> PlannedAction:
    return PlannedAction(
        workflow=spec.workflow,
        action=action,
        target="Salesforce",
        record=spec.label(record),
        qb_id=str(record.get("id")),
        sf_id=sf_id,
        detail=detail,
    )


def _write_page(
    ctx: RunContext,
    spec: MirrorSpec,
    pending: list[_Pending],
    outcomes: list[ItemOutcome],
    state: _MirrorState,
) -> None:
    links: list[Link] = []
    if pending and not ctx.dry_run:
        ctx.check_api_reserve()
        results = _upsert_with_lock_retries(ctx, spec, pending)
        for item, result in zip(pending, results, strict=True):
            outcome = outcome_of(result)
            if outcome is Outcome.FAILED:
                code, message, fields = first_error(result)
                plain, details = failure_text(code, message, fields)
                if read_again(code, message):
                    state.clean = False
                failed = ItemOutcome(
                    workflow=spec.workflow,
                    record_key=spec.label(item.record),
                    outcome=Outcome.FAILED,
                    qb_id=item.qb_id,
                    sf_id=None,
                    code=code,
                    message=plain,
                    details=details,
                )
                outcomes.append(_read_from(failed, item.kind))
                continue
            sf_id = str(result.get("id"))
            label = spec.label(item.record)
            written = ItemOutcome(
                workflow=spec.workflow,
                record_key=label,
                outcome=outcome,
                qb_id=item.qb_id,
                sf_id=sf_id,
            )
            outcomes.append(_read_from(written, item.kind))
            links.append(_link(spec, item, sf_id))
    ctx.recorder.commit(outcomes, links)


def _link(spec: MirrorSpec, item: _Pending, sf_id: str) -> Link:
    return Link(
        spec.link_key,
        item.qb_id,
        sf_id,
        item.digest,
        qb_revision=item.record.get("revisionNumber"),
        content=item.mapped,
    )


def _upsert_with_lock_retries(
    ctx: RunContext, spec: MirrorSpec, pending: list[_Pending]
) -> list[dict[str, Any]]:
    return ctx.salesforce.upsert(
        spec.sobject,
        spec.external_field,
        [p.mapped for p in pending],
        lock_retries=ctx.settings.row_lock_retries,
    )


class _BulkSpool:
    """Mapped rows spooled to CSV files on disk, one per Bulk job, and what each row must commit
    kept in a small SQLite file beside them: a 100,000-record backfill holds neither in memory."""

    def __init__(self, spec: MirrorSpec) -> None:
        self.spec = spec
        self._dir = tempfile.TemporaryDirectory(prefix="qbsf-bulk-")
        self._parts = 0
        self._open_part()
        self._pending = sqlite3.connect(Path(self._dir.name) / "pending.sqlite3")
        self._pending.execute(
            "CREATE TABLE pending (part INTEGER, qb_id TEXT, digest TEXT, revision TEXT, "
            "label TEXT, PRIMARY KEY (part, qb_id))"
        )
        self._pending.execute("CREATE INDEX pending_by_record ON pending (qb_id, part)")
        #: Parts closed early because a record came again; submitted before the open part.
        self.ready: list[Path] = []

    def _open_part(self) -> None:
        self._parts += 1
        self.path = Path(self._dir.name) / f"{self.spec.sobject}-{self._parts}.csv"
        # Bulk jobs are declared `lineEnding: LF`; Salesforce fails a job whose rows end otherwise.
        self._file = self.path.open("w", newline="", encoding="utf-8")
        self._writer: Any = None
        self._ids_in_part: set[str] = set()
        self.rows_in_part = 0

    def add(self, pending: list[_Pending]) -> None:
        """Rows for the open part. A record already in it starts a new part: Salesforce fails both
        rows of an external id given twice in one job chunk, and parts run in order, so the later
        value wins."""
        for item in pending:
            if item.qb_id in self._ids_in_part:
                self._close_early()
            row = _flatten(item.mapped)
            if self._writer is None:
                self._writer = csv.DictWriter(
                    self._file, fieldnames=sorted(row), lineterminator="\n"
                )
                self._writer.writeheader()
            self._writer.writerow({c: _csv_value(row.get(c)) for c in self._writer.fieldnames})
            self._ids_in_part.add(item.qb_id)
            self.rows_in_part += 1
            self._pending.execute(
                "INSERT OR REPLACE INTO pending VALUES (?, ?, ?, ?, ?)",
                (
                    self._parts,
                    item.qb_id,
                    item.digest,
                    item.record.get("revisionNumber"),
                    self.spec.label(item.record),
                ),
            )

    def _close_early(self) -> None:
        self._file.close()
        self.ready.append(self.path)
        self._open_part()

    def holds(self, qb_id: str) -> bool:
        """A row of this record is spooled and no job has reported on it yet."""
        return (
            self._pending.execute("SELECT 1 FROM pending WHERE qb_id = ?", (qb_id,)).fetchone()
            is not None
        )

    def take_ready(self) -> list[Path]:
        """Parts closed early, in order, each for its own job before the open part."""
        ready, self.ready = self.ready, []
        return ready

    def take_part(self) -> Path | None:
        """The file written so far, closed for a job (None if empty); later rows start a new one."""
        self._file.close()
        path = self.path if self.rows_in_part else None
        self._open_part()
        return path

    def pop(self, qb_id: str) -> tuple[str, str | None, str] | None:
        """(digest, revision, label) of a row a job reported, once; jobs report in part order."""
        row = self._pending.execute(
            "SELECT part, digest, revision, label FROM pending WHERE qb_id = ? "
            "ORDER BY part LIMIT 1",
            (qb_id,),
        ).fetchone()
        if row is None:
            return None
        self._pending.execute("DELETE FROM pending WHERE part = ? AND qb_id = ?", (row[0], qb_id))
        return row[1], row[2], row[3]

    def remaining(self) -> list[tuple[str, str]]:
        """(qb id, label) of rows no job reported on."""
        return self._pending.execute(
            "SELECT qb_id, label FROM pending ORDER BY qb_id, part"
        ).fetchall()

    def cleanup(self) -> None:
        self._file.close()
        self._pending.close()
        self._dir.cleanup()


class _BulkJobs:
    """Bulk jobs run one after another on a thread while QuickBooks is still being read; their
    results are committed on the run's own thread, as they come."""

    def __init__(
        self, ctx: RunContext, spec: MirrorSpec, spool: _BulkSpool, state: _MirrorState
    ) -> None:
        self.ctx, self.spec, self.spool, self.state = ctx, spec, spool, state
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-job")
        self._running: list[Future[BulkResult]] = []

    def submit(self, part: Path | None) -> None:
        if part is None:
            return
        self.ctx.check_api_reserve()
        self._running.append(
            self._executor.submit(
                self.ctx.salesforce.bulk_upsert,
                self.spec.sobject,
                self.spec.external_field,
                part,
                poll_s=self.ctx.settings.bulk_poll_s,
            )
        )

    def collect(self, *, wait: bool = False) -> None:
        while self._running and (wait or self._running[0].done()):
            result = self._running.pop(0).result()
            _commit_bulk_result(self.ctx, self.spec, self.spool, result, self.state)

    def finish(self) -> None:
        """After a stop: jobs already sent still get their results linked, so nothing sent is
        left unlinked (the next run would only find them unchanged)."""
        try:
            self.collect(wait=True)
        except Exception:  # the run is already ending with its own error
            log.exception("results of a Bulk job could not be committed")
        finally:
            self._executor.shutdown(wait=True)


def _flatten(mapped: dict[str, Any]) -> dict[str, Any]:
    """Relationship values become Bulk's `Parent__r.Key__c` columns."""
    row: dict[str, Any] = {}
    for key, value in mapped.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                row[f"{key}.{sub}"] = inner
        else:
            row[key] = value
    return row


def _csv_value(value: Any) -> str:
    if value is None:
        return "#N/A"  # an empty cell would leave the field unchanged
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _commit_bulk_result(
    ctx: RunContext, spec: MirrorSpec, spool: _BulkSpool, result: BulkResult, state: _MirrorState
) -> None:
    outcomes: list[ItemOutcome] = []
    links: list[Link] = []

    def flush() -> None:
        ctx.recorder.commit(outcomes, links)
        outcomes.clear()
        links.clear()

    for row in result.successful():
        qb_id = row.get(spec.external_field, "")
        known = spool.pop(qb_id)
        if known is None:
            continue
        digest, revision, label = known
        created = row.get("sf__Created", "").lower() == "true"
        outcome = Outcome.CREATED if created else Outcome.UPDATED
        outcomes.append(
            ItemOutcome(
                workflow=spec.workflow,
                record_key=label,
                outcome=outcome,
                qb_id=qb_id,
                sf_id=row["sf__Id"],
            )
        )
        links.append(Link(spec.link_key, qb_id, row["sf__Id"], digest, qb_revision=revision))
        if len(links) >= COMMIT_CHUNK:
            flush()
    for row in result.failed():
        qb_id = row.get(spec.external_field, "")
        known = spool.pop(qb_id)
        if known is None:
            continue
        code, message, fields = parse_bulk_error(row.get("sf__Error", ""))
        plain, details = failure_text(code, message, fields)
        if read_again(code, message):
            state.clean = False
        outcomes.append(
            ItemOutcome(
                workflow=spec.workflow,
                record_key=known[2],
                outcome=Outcome.FAILED,
                qb_id=qb_id,
                sf_id=None,
                code=code,
                message=plain,
                details=details,
            )
        )
    if result.state != "JobComplete":
        state.clean = False
        state.bulk_error = result.error_message or result.state
    flush()


def _report_unreported(
    ctx: RunContext, spec: MirrorSpec, spool: _BulkSpool, state: _MirrorState
) -> None:
    """Rows no job reported on (unprocessed, or a job that failed): read again next run."""
    unreported = spool.remaining()
    if not unreported:
        return
    state.clean = False
    ctx.recorder.commit(
        [
            ItemOutcome(
                workflow=spec.workflow,
                record_key=label,
                outcome=Outcome.FAILED,
                qb_id=qb_id,
                sf_id=None,
                code="BULK_UNPROCESSED",
                message="Salesforce did not process this record; the next sync sends it again.",
                details=state.bulk_error,
            )
            for qb_id, label in unreported
        ]
    )
