"""Salesforce's answers for the check after a sync, asked once the invoices are written, while
QuickBooks is still read for credit memos, payments, deletions and balances, so the check need not
wait for them after.

A figure is used only when none of the objects it reads was written since it was asked
(`FIGURE_OBJECTS`, against `SalesforceClient.written`); the others are asked again, and all of
them after a Composite write, whose objects are not looked into. Salesforce's delete log does not
depend on the run's writes (a sync never deletes in Salesforce) and is always used. Without a
delete log to start from, every id of the app's own objects is listed instead, and a listing is
used on the same terms as a figure.

QuickBooks' balances, which the check reads whole when no side of an earlier check is kept and
the sync did not read every customer, are read once every transaction list is read, behind any
other read (while the last mirrors are written, QuickBooks has nothing else to do); they are used
only when the run wrote nothing to QuickBooks since. The sync's own balance mirror takes from
them the customers its transactions touched, instead of reading those again by id.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from app.domain.workflows import ALL_WORKFLOWS
from app.engine.books.kept_side import any_kept, deletions_known_through
from app.engine.books.model import default_period
from app.engine.books.presence import (
    CHECKED,
    OWN_OBJECTS,
    DeletedLog,
    Listed,
    Listing,
    ask_deleted,
    ask_listed,
)
from app.engine.books.quickbooks_side import CUSTOMER, KINDS, QuickBooksSide, read_kinds
from app.engine.books.salesforce_side import FIGURE_OBJECTS, Figures, read_figures
from app.engine.books.sync_reads import READS, SyncReads
from app.engine.context import RunContext, enabled_workflows
from app.engine.mirror import readers_of
from app.salesforce.client import SalesforceClient

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Where a run keeps the answers asked early, for the check after it.
EARLY = "books.early_answers"
#: Where a run keeps QuickBooks' balances read early.
BALANCES = "books.early_balances"
#: The balances' place in QuickBooks' queue: after every list and the deletions.
BALANCES_PLACE = len(ALL_WORKFLOWS) + 1


@dataclass(frozen=True)
class EarlyAnswers:
    period: tuple[date, date]
    enabled: frozenset[str]
    since: datetime | None
    written: Counter[str]
    figures: Future[Figures]
    deleted: Future[DeletedLog | None] | None
    listed: Future[Listed] | None = None
    listed_objects: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Balances:
    #: The run's QuickBooks writes when they were read.
    writes: int
    slim: dict[str, dict[str, Any]]
    #: The customers as QuickBooks sent them, by id (the sync's balance mirror writes them).
    whole: dict[str, dict[str, Any]]


def ask(ctx: RunContext) -> None:
    """Ask Salesforce now for what the check after this run will compare."""
    if ctx.dry_run or ctx.only_qb_ids is not None:
        return
    since = deletions_known_through(ctx.store)
    period = default_period()
    enabled = frozenset(enabled_workflows(ctx.store))
    salesforce = ctx.salesforce
    own = [o.name for w, (o, _k, _a) in CHECKED.items() if w in enabled and o.name in OWN_OBJECTS]
    pool = ThreadPoolExecutor(2, thread_name_prefix="books-early")
    ctx.cache[EARLY] = EarlyAnswers(
        period=period,
        enabled=enabled,
        since=since,
        written=Counter(salesforce.written),
        figures=pool.submit(read_figures, salesforce, *period, enabled),
        deleted=pool.submit(ask_deleted, salesforce, since) if since is not None else None,
        listed=pool.submit(ask_listed, salesforce, own) if since is None and own else None,
        listed_objects=frozenset(own),
    )
    pool.shutdown(wait=False)  # its threads end with their answers; nothing waits for them here


def ask_balances(ctx: RunContext) -> None:
    """After the customers step: QuickBooks' balances, when the check will read them whole."""
    reads: SyncReads | None = ctx.cache.get(READS)
    if (
        ctx.dry_run
        or ctx.only_qb_ids is not None
        or reads is None
        or CUSTOMER in reads.whole
        or any_kept(ctx.store)
    ):
        return
    readers = readers_of(ctx, [k for k in KINDS if k != CUSTOMER])
    quickbooks = ctx.quickbooks

    def read() -> _Balances | None:
        for reader in readers:
            reader.exhausted.wait()
        if ctx.cancel.cancelled or not all(reader.completed for reader in readers):
            return None  # the run stopped: QuickBooks is asked nothing more for it
        quickbooks.queue.take_place(BALANCES_PLACE)
        writes = quickbooks.writes
        side = QuickBooksSide(since="")
        whole: dict[str, dict[str, Any]] = {}
        read_kinds(quickbooks, side, [CUSTOMER], whole)
        return _Balances(writes, dict(side.kept(CUSTOMER)), whole)

    pool = ThreadPoolExecutor(1, thread_name_prefix="books-balances")
    ctx.cache[BALANCES] = pool.submit(read)
    pool.shutdown(wait=False)


def _written_since(early: EarlyAnswers, salesforce: SalesforceClient) -> set[str]:
    """The objects written since the answers were asked ("*": a Composite write)."""
    return set((Counter(salesforce.written) - early.written).keys())


def _answer(asked: Future[T], what: str) -> T | None:
    """An answer asked early; None when it failed (it is asked again now, where a lasting
    failure is raised)."""
    try:
        return asked.result()
    except Exception as exc:
        log.info("%s could not be read: %s", what, exc)
        return None


def figures(
    early: EarlyAnswers | None,
    salesforce: SalesforceClient,
    period: tuple[date, date],
    enabled: frozenset[str],
) -> Figures | None:
    """The figures asked early, those that read an object written since asked again; None when
    they must all be asked now."""
    if early is None or early.period != period or early.enabled != enabled:
        return None
    since_asked = _written_since(early, salesforce)
    if "*" in since_asked:
        return None
    found = _answer(early.figures, "figures asked early")
    if found is None:
        return None
    stale = {part for part, objects in FIGURE_OBJECTS.items() if objects & since_asked}
    if not stale:
        return found
    fresh = read_figures(salesforce, *period, enabled, parts=stale)
    return dataclasses.replace(found, **{part: getattr(fresh, part) for part in stale})


def deleted_log(early: EarlyAnswers | None, since: datetime | None) -> DeletedLog | None:
    """The delete log asked early, when it starts where this check's does."""
    if early is None or early.deleted is None or since is None or early.since != since:
        return None
    return _answer(early.deleted, "Salesforce's delete log asked early")


def listed(early: EarlyAnswers | None, salesforce: SalesforceClient) -> Listing | None:
    """The listing asked early of the objects not written since (answered when it comes);
    None when there are none."""
    if early is None or early.listed is None:
        return None
    since_asked = _written_since(early, salesforce)
    objects = early.listed_objects - since_asked
    if "*" in since_asked or not objects:
        return None
    asked = early.listed
    return Listing(objects, lambda: _answer(asked, "Salesforce's ids listed early"))


def balances(ctx: RunContext) -> dict[str, dict[str, Any]] | None:
    """Every customer's balance not zero, read early (kept slim); None when none was read, or
    the run wrote to QuickBooks since."""
    found = _balances(ctx, ctx.cache.pop(BALANCES, None))
    return found.slim if found is not None else None


def customers_with_balances(ctx: RunContext) -> dict[str, dict[str, Any]] | None:
    """Every customer whose balance is not zero, whole, as read early (left for the check);
    None when none was read, or the run wrote to QuickBooks since."""
    found = _balances(ctx, ctx.cache.get(BALANCES))
    return found.whole if found is not None else None


def _balances(ctx: RunContext, asked: Future[_Balances | None] | None) -> _Balances | None:
    if asked is None:
        return None
    found = _answer(asked, "QuickBooks' balances read early")
    return found if found is not None and found.writes == ctx.quickbooks.writes else None
