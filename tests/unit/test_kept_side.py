"""QuickBooks' side of the last check: kept in memory for the next check in this process, and in
a file for the next process, written on a thread of its own."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from app.engine.books.kept_side import KeptSide, keep, kept, path_of, wait_for_writes
from app.engine.books.quickbooks_side import QuickBooksSide
from app.store import open_store


def _side() -> QuickBooksSide:
    side = QuickBooksSide(since="2026-11-01")
    side.apply(
        "invoice",
        [
            {
                "id": f"{n}-1",
                "refNumber": str(1000 + n),
                "customer": {"id": "80-1", "fullName": "Acme"},
                "balanceRemaining": "12.50",
                "isPaid": False,
            }
            for n in range(3)
        ],
    )
    return side


def test_the_next_check_takes_the_side_from_memory_once_then_from_the_file(tmp_path: Path) -> None:
    store = open_store(tmp_path / "sync.sqlite3")
    taken = KeptSide(_side(), after_run=7, read_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    keep(store, taken)

    assert kept(store) is taken
    from_file = kept(store)
    assert from_file is not None and from_file is not taken
    assert (from_file.after_run, from_file.read_at) == (7, taken.read_at)
    assert from_file.side.invoices == taken.side.invoices
    assert from_file.side.open_by_customer == taken.side.open_by_customer
    store.close()


def test_the_file_holds_what_was_kept_once_writes_are_done(tmp_path: Path) -> None:
    store = open_store(tmp_path / "sync.sqlite3")
    keep(store, KeptSide(_side(), after_run=3, read_at=datetime(2026, 12, 2, tzinfo=UTC)))
    keep(
        store, KeptSide(QuickBooksSide(since="2026-11-01"), after_run=4, read_at=datetime.now(UTC))
    )
    wait_for_writes()
    body = json.loads(path_of(store).read_text(encoding="utf-8"))
    assert body["after_run"] == 4, "files are written in the order kept"
    assert body["side"]["invoices"] == {}
    assert not path_of(store).with_name(path_of(store).name + ".part").exists()
    store.close()
