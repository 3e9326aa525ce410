"""QuickBooks' side of the last check, kept in a file beside the store, so the check after the
next sync needs only what that sync read.

It is used only when every run since it was taken is known to have read what changed: it was
taken at (or after) the run just before this one. It is read whole again after `MAX_AGE`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.engine.books.quickbooks_side import QuickBooksSide
from app.store import Store

log = logging.getLogger(__name__)
#: How long QuickBooks' side is brought up to date before it is read whole again.
MAX_AGE = timedelta(hours=24)


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


def keep(store: Store, kept: KeptSide) -> None:
    body = {
        "after_run": kept.after_run,
        "read_at": kept.read_at.isoformat(),
        "deletions_through": _iso(kept.deletions_through),
        "side": kept.side.to_json(),
    }
    path = path_of(store)
    part = path.with_name(path.name + ".part")
    try:
        part.write_text(json.dumps(body), encoding="utf-8")
        part.replace(path)
    except OSError as exc:  # the next check reads QuickBooks whole
        log.info("QuickBooks' side of the check could not be kept: %s", exc)


def kept(store: Store) -> KeptSide | None:
    try:
        body = json.loads(path_of(store).read_text(encoding="utf-8"))
        return KeptSide(
            side=QuickBooksSide.from_json(body["side"]),
            after_run=body["after_run"],
            read_at=datetime.fromisoformat(body["read_at"]),
            deletions_through=_moment(body.get("deletions_through")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


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
