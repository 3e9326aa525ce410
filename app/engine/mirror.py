"""QuickBooks -> Salesforce mirrors (items, invoices, payments, customer balances).

Pages are read on a background thread while the previous page is written: Collections upserts of
200 on the workflow's External ID field, or one Bulk API 2.0 job for a large backfill. A record is
written only when its mapped content differs from the ledger's hash. Links, outcomes and the cursor
commit together; the cursor moves only when everything read was committed or failed for good.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator, Mapping
from dataclasses import replace
from typing import Any

from app.domain.hashing import content_hash
from app.domain.outcomes import Outcome
from app.domain.record_mapping import map_quickbooks_record, salesforce_json
from app.engine.books.sync_reads import note_read
from app.engine.context import RunContext, later, parse_stamp
from app.engine.mirror_bulk import (
    BULK_PART_MIN_ROWS,
    BULK_TAIL_MIN_ROWS,
    BULK_TAIL_ROWS,
    BulkJobs,
    BulkSpool,
    bulk_part_rows,
    report_unreported,
)
from app.engine.mirror_spec import MirrorSpec, MirrorState, Pending
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
from app.store import Link

log = logging.getLogger(__name__)

#: Chosen QuickBooks records already read, by list, then by id.
Chosen = Mapping[str, Mapping[str, dict[str, Any]]]


#: Where a run keeps the readers started ahead of their workflow, by (ledger key, list).
READERS = "mirror.readers_ahead"
#: Where a run keeps QuickBooks' newest stamp read before it began (`note_run_start`).
KNOWN_AT_START = "mirror.known_at_start"
#: The cursor source saying which stamp a list's last whole read began after.
READ_AFTER = "qb_read_after"


def read_ahead(ctx: RunContext, spec: MirrorSpec, order: int) -> None:
    """Start reading `spec`'s lists now, a few pages deep, while earlier work writes to
    Salesforce: QuickBooks answers one request at a time, and is otherwise idle meanwhile.
    Readers ask in their `order` (the order their steps need them).

    A step that writes to a list read ahead before it drops that reader (`drop_reader`)."""
    if ctx.only_qb_ids is not None:
        return
    readers: dict[tuple[str, str], Prefetcher[Page]] = ctx.cache.setdefault(READERS, {})
    since = _since(ctx, spec)
    for kind in spec.kinds:
        if (spec.link_key, kind) not in readers:
            pages = _in_place(ctx, order, _pages(ctx, spec, kind, since, None))
            readers[spec.link_key, kind] = Prefetcher(pages, depth=ctx.settings.read_ahead)


def _in_place(ctx: RunContext, order: int, pages: Iterator[Page]) -> Iterator[Page]:
    ctx.quickbooks.queue.take_place(order)  # runs on the reader's own thread
    yield from pages


def drop_reader(ctx: RunContext, spec: MirrorSpec) -> None:
    """A reader started ahead whose list has been written to since: its step reads anew."""
    readers: dict[tuple[str, str], Prefetcher[Page]] = ctx.cache.get(READERS, {})
    for kind in spec.kinds:
        reader = readers.pop((spec.link_key, kind), None)
        if reader is not None:
            reader.close()


def readers_of(ctx: RunContext, kinds: Collection[str]) -> list[Prefetcher[Page]]:
    """The readers started ahead for these lists that no step has taken yet."""
    readers: dict[tuple[str, str], Prefetcher[Page]] = ctx.cache.get(READERS, {})
    return [reader for (_key, kind), reader in readers.items() if kind in kinds]


def close_readers(ctx: RunContext) -> None:
    """Readers started ahead that no step took (the run stopped first)."""
    for reader in ctx.cache.pop(READERS, {}).values():
        reader.close()


def note_run_start(ctx: RunContext) -> None:
    """Keeps QuickBooks' newest stamp any earlier run read: every list this run reads is read
    after it (the records that carry it were already there)."""
    stamps = [c.value for c in ctx.store.cursors() if c.source == "qb" and is_stamp(c.value)]
    if stamps:
        newest = max(parse_stamp(stamp) for stamp in stamps)
        ctx.cache[KNOWN_AT_START] = newest.isoformat(timespec="seconds")


def _since(ctx: RunContext, spec: MirrorSpec) -> str | None:
    """The cursor less the overlap, counted back from when the cursor's read began where that
    is known to be later: a record committed late after that read carries a stamp at most the
    overlap before it began. A list quiet for longer is read from its cursor."""
    cursor_value = ctx.store.get_cursor(spec.link_key, "qb")
    if not cursor_value or ctx.only_qb_ids is not None:
        return None
    cursor = parse_stamp(cursor_value)
    read_after = ctx.store.get_cursor(spec.link_key, READ_AFTER)
    began = cursor
    if read_after is not None and is_stamp(read_after):
        began = max(cursor, parse_stamp(read_after))
    return min(cursor, began - ctx.settings.overlap).isoformat(timespec="seconds")


def run_mirror(ctx: RunContext, spec: MirrorSpec, chosen: Chosen | None = None) -> None:
    """Mirror what QuickBooks changed since the cursor; or, with `chosen`, exactly those records."""
    state = MirrorState(newest=ctx.store.get_cursor(spec.link_key, "qb"))
    since = _since(ctx, spec)
    ahead: dict[tuple[str, str], Prefetcher[Page]] = (
        ctx.cache.get(READERS, {}) if chosen is None and ctx.only_qb_ids is None else {}
    )
    ctx.report(spec.workflow, "reading")
    bulk: BulkSpool | None = None
    jobs: BulkJobs | None = None
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
                        bulk = BulkSpool(spec)
                        jobs = BulkJobs(ctx, spec, bulk, state)
                        # A quarter of the backfill at most, and none too short to help.
                        tail_rows = min(BULK_TAIL_ROWS, state.total // 4)
                        tail_rows = tail_rows if tail_rows >= BULK_TAIL_MIN_ROWS else 0
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
                    held: list[Pending] = []
                    tail: list[Pending] = []
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
            report_unreported(ctx, spec, bulk, state)
    finally:
        if jobs is not None:
            jobs.finish()
        if bulk is not None:
            bulk.cleanup()
    if state.clean and state.newest and ctx.only_qb_ids is None and not ctx.dry_run:
        cursors = [(spec.link_key, "qb", state.newest)]
        if KNOWN_AT_START in ctx.cache:
            cursors.append((spec.link_key, READ_AFTER, ctx.cache[KNOWN_AT_START]))
        ctx.recorder.commit([], cursors=cursors)


def _advance_cursor(
    spec: MirrorSpec, records: list[dict[str, Any]], state: MirrorState, kind: str
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
) -> tuple[list[Pending], list[ItemOutcome]]:
    outcomes: list[ItemOutcome] = []
    if spec.before_write is not None and records:
        outcomes.extend(spec.before_write(ctx, records))
    skip = {o.qb_id for o in outcomes}
    links = ctx.store.links_by_qb(spec.link_key, [str(r.get("id")) for r in records])
    pending: list[Pending] = []
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
        pending.append(Pending(record, mapped, digest, link, kind))
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
    pending: list[Pending],
    outcomes: list[ItemOutcome],
    state: MirrorState,
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


def _link(spec: MirrorSpec, item: Pending, sf_id: str) -> Link:
    return Link(
        spec.link_key,
        item.qb_id,
        sf_id,
        item.digest,
        qb_revision=item.record.get("revisionNumber"),
        content=item.mapped,
    )


def _upsert_with_lock_retries(
    ctx: RunContext, spec: MirrorSpec, pending: list[Pending]
) -> list[dict[str, Any]]:
    return ctx.salesforce.upsert(
        spec.sobject,
        spec.external_field,
        [p.mapped for p in pending],
        lock_retries=ctx.settings.row_lock_retries,
    )
