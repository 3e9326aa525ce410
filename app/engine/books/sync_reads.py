"""What a sync read of the lists the books check compares, kept slim for the check that follows,
so QuickBooks is not asked again for it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.engine.books.model import default_period
from app.engine.books.quickbooks_side import KINDS, QuickBooksSide

#: Where a run keeps what it read, in its context's cache.
READS = "books.sync_reads"


@dataclass
class SyncReads:
    """Open records as read (`side`), the ids read no longer open (`closed`), the lists read
    whole, from the start rather than since a cursor (`whole`), and the transactions QuickBooks
    listed deleted (`deleted`; None: the run did not ask)."""

    side: QuickBooksSide = field(
        default_factory=lambda: QuickBooksSide(since=default_period()[0].isoformat())
    )
    closed: dict[str, set[str]] = field(default_factory=dict)
    whole: set[str] = field(default_factory=set)
    deleted: set[str] | None = None

    def note(self, kind: str, records: Sequence[Mapping[str, Any]], *, whole: bool) -> None:
        if kind not in KINDS:
            return
        if whole:
            self.whole.add(kind)
        closed = self.closed.setdefault(kind, set())
        self.side.apply(kind, records)
        kept = self.side.kept(kind)
        for record in records:
            qb_id = str(record.get("id"))
            if qb_id in kept:
                closed.discard(qb_id)
            else:
                closed.add(qb_id)

    def onto(self, earlier: QuickBooksSide) -> QuickBooksSide:
        """`earlier` with every record read since replacing what it kept, and without the
        transactions deleted since."""
        for kind in KINDS:
            earlier.merge(kind, self.side.kept(kind), self.closed.get(kind, set()))
        earlier.drop(self.deleted or ())
        return earlier


def note_read(
    cache: MutableMapping[str, Any], kind: str, records: Sequence[Mapping[str, Any]], *, whole: bool
) -> None:
    """Called by the mirrors on every page they read."""
    if kind in KINDS:
        reads: SyncReads = cache.setdefault(READS, SyncReads())
        reads.note(kind, records, whole=whole)


def note_deleted(cache: MutableMapping[str, Any], qb_ids: Iterable[str]) -> None:
    """Called with the transactions QuickBooks listed deleted since the deletions cursor."""
    reads: SyncReads = cache.setdefault(READS, SyncReads())
    reads.deleted = (reads.deleted or set()) | set(qb_ids)
