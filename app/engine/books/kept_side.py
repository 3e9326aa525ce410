"""QuickBooks' side of the last check, kept in a file beside the store, so the check after the
next sync needs only what that sync read.

It is used only when every run since it was taken is known to have read what changed: it was
taken at (or after) the run just before this one. It is read whole again after `MAX_AGE`.

The process that kept it keeps it in memory too, and writes the file on a thread of its own: at
100,000 open invoices, parsing or writing the file costs the user's wait a good part of a second.
The file is encoded a slice of records at a time: one `json.dumps` of it all holds the GIL for
half a second, and the run that kept it could not finish meanwhile.
A file not written yet (the process stopped first) only means the next process reads QuickBooks
again: the side it finds was taken before the last run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from app.engine.books.quickbooks_side import QuickBooksSide
from app.store import Store

log = logging.getLogger(__name__)
#: How long QuickBooks' side is brought up to date before it is read whole again.
MAX_AGE = timedelta(hours=24)
#: Records encoded at once when the file is written (a few milliseconds each).
SLICE = 1_000


@dataclass
class KeptSide:
    side: QuickBooksSide
    #: The last run before it was taken (its reads are in it); None: no run yet.
    after_run: int | None
    #: When QuickBooks was last read whole.
    read_at: datetime
    #: Salesforce deletions of linked records known up to here; None: look at every record.
    deletions_through: datetime | None = None

    @property
    def fresh(self) -> bool:
        return datetime.now(UTC) - self.read_at < MAX_AGE


def path_of(store: Store) -> Path:
    return store.path.with_name(store.path.name + ".books-quickbooks.json")


#: The side this process kept last, by its file: taken (and so dropped) by the next check.
_in_memory: dict[Path, KeptSide] = {}
#: One writer, so files are written in the order kept; joined when the interpreter exits.
_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="books-keep")


def keep(store: Store, kept: KeptSide) -> None:
    path = path_of(store)
    _in_memory.clear()
    _in_memory[path] = kept
    _writer.submit(_write, path, kept)


def wait_for_writes() -> None:
    """Returns once every side kept so far is in its file (and so may be changed again)."""
    _writer.submit(lambda: None).result()


def _write(path: Path, kept: KeptSide) -> None:
    body = {
        "after_run": kept.after_run,
        "read_at": kept.read_at.isoformat(),
        "deletions_through": _iso(kept.deletions_through),
        "side": kept.side.to_json(),
    }
    part = path.with_name(path.name + ".part")
    try:
        with part.open("w", encoding="utf-8") as out:
            out.writelines(encoded(body))
        part.replace(path)
    except OSError as exc:  # the next check in another process reads QuickBooks whole
        log.info("QuickBooks' side of the check could not be kept: %s", exc)


def encoded(value: Any) -> Iterator[str]:
    """`json.dumps(value)` in pieces: a dict of more than `SLICE` records a slice at a time."""
    if isinstance(value, dict) and len(value) > SLICE:
        items = iter(value.items())
        yield "{" + json.dumps(dict(islice(items, SLICE)))[1:-1]
        while piece := dict(islice(items, SLICE)):
            yield ", " + json.dumps(piece)[1:-1]
        yield "}"
    elif _holds_many(value):
        yield "{"
        for number, (key, item) in enumerate(value.items()):
            yield (", " if number else "") + json.dumps(key) + ": "
            yield from encoded(item)
        yield "}"
    else:
        yield json.dumps(value)


def _holds_many(value: Any) -> bool:
    return isinstance(value, dict) and (
        len(value) > SLICE or any(_holds_many(item) for item in value.values())
    )


def kept(store: Store) -> KeptSide | None:
    """The side kept last; the caller may change it (it is no longer kept in memory)."""
    path = path_of(store)
    found = _in_memory.pop(path, None)
    if found is not None:
        # Its file may still be being written from it: the caller changes a copy, without waiting.
        return replace(found, side=found.side.copy())
    wait_for_writes()
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        return KeptSide(
            side=QuickBooksSide.from_json(body["side"]),
            after_run=body["after_run"],
            read_at=datetime.fromisoformat(body["read_at"]),
            deletions_through=_moment(body.get("deletions_through")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def any_kept(store: Store) -> bool:
    """Whether a side is kept, in memory or in its file, without taking it."""
    path = path_of(store)
    return path in _in_memory or path.exists()


def deletions_known_through(store: Store) -> datetime | None:
    """How far the side this process kept last knows Salesforce's deletions, without taking
    it; None when none is kept in memory."""
    found = _in_memory.get(path_of(store))
    return found.deletions_through if found is not None else None


def last_run_id(store: Store, before: int | None = None) -> int | None:
    """The last run that was not a preview (before run `before`, if given)."""
    return next(
        (r.id for r in store.runs(limit=20) if not r.dry_run and (before is None or r.id < before)),
        None,
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
