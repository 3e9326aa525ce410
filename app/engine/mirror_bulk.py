"""A large backfill through Bulk API 2.0: mapped rows spooled to disk in parts, each part a job
run on a thread while QuickBooks is still being read, its results committed as they come."""

from __future__ import annotations

import csv
import logging
import sqlite3
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from app.domain.errors import parse_bulk_error
from app.domain.outcomes import Outcome
from app.engine.context import RunContext
from app.engine.mirror_spec import MirrorSpec, MirrorState, Pending
from app.engine.recorder import ItemOutcome
from app.engine.salesforce_results import failure_text, read_again
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
#: Eight pages: QuickBooks takes 2.4 s or more to send them, longer than the last job (a few
#: hundred rows) takes to finish (two polls half a second apart, and its processing).
BULK_TAIL_ROWS = 1200
#: A shorter tail is not read for long enough to hide much of a job's wait.
BULK_TAIL_MIN_ROWS = 600


def bulk_part_rows(total: int, sent: int = 0) -> int:
    """Rows for the next job of `total` Bulk rows with `sent` already in jobs: half of what is
    left, so jobs shrink toward the end and the one still running after the last page is small.
    9,400 rows make jobs of 4,700, 2,350, 1,175, 588 and 587."""
    left = total - sent
    half = max(BULK_PART_MIN_ROWS, min(BULK_PART_ROWS, -(-left // 2)))
    return left if left - half < BULK_PART_MIN_ROWS else half


class BulkSpool:
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

    def add(self, pending: list[Pending]) -> None:
        """Rows for the open part. A record already in it starts a new part: Salesforce fails both
        rows of an external id given twice in one job chunk, and parts run in order, so the later
        value wins."""
        for item in pending:
            if item.qb_id in self._ids_in_part:
                self._close_early()
            row = flatten(item.mapped)
            if self._writer is None:
                self._writer = csv.DictWriter(
                    self._file, fieldnames=sorted(row), lineterminator="\n"
                )
                self._writer.writeheader()
            self._writer.writerow({c: csv_value(row.get(c)) for c in self._writer.fieldnames})
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


class BulkJobs:
    """Bulk jobs run one after another on a thread while QuickBooks is still being read; their
    results are committed on the run's own thread, as they come."""

    def __init__(
        self, ctx: RunContext, spec: MirrorSpec, spool: BulkSpool, state: MirrorState
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


def flatten(mapped: dict[str, Any]) -> dict[str, Any]:
    """Relationship values become Bulk's `Parent__r.Key__c` columns."""
    row: dict[str, Any] = {}
    for key, value in mapped.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                row[f"{key}.{sub}"] = inner
        else:
            row[key] = value
    return row


def csv_value(value: Any) -> str:
    if value is None:
        return "#N/A"  # an empty cell would leave the field unchanged
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _commit_bulk_result(
    ctx: RunContext, spec: MirrorSpec, spool: BulkSpool, result: BulkResult, state: MirrorState
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


def report_unreported(
    ctx: RunContext, spec: MirrorSpec, spool: BulkSpool, state: MirrorState
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
