"""QuickBooks' side of the last check: kept in memory for the next check in this process, and in
a file for the next process, written on a thread of its own."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

from app.engine.books.kept_side import (
    SLICE,
    KeptSide,
    _writer,
    encoded,
    keep,
    kept,
    path_of,
    wait_for_writes,
)
from app.engine.books.quickbooks_side import QuickBooksSide
from app.store import open_store

#: How long the busy writer waits at most (a bound, not a figure).
PATIENCE_S = 20


def _side(invoices: int = 3) -> QuickBooksSide:
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
            for n in range(invoices)
        ],
    )
    return side


def test_the_next_check_takes_the_side_from_memory_once_then_from_the_file(tmp_path: Path) -> None:
    store = open_store(tmp_path / "sync.sqlite3")
    taken = KeptSide(_side(), after_run=7, read_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    keep(store, taken)

    from_memory = kept(store)
    assert from_memory is not None and from_memory.side.invoices == taken.side.invoices
    assert (from_memory.after_run, from_memory.read_at) == (7, taken.read_at)
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


def test_the_next_check_does_not_wait_for_the_file_and_its_changes_stay_out_of_it(
    tmp_path: Path,
) -> None:
    store = open_store(tmp_path / "sync.sqlite3")
    writing = threading.Event()
    # The writer is busy (a large side takes seconds to write): the next check goes on.
    busy = _writer.submit(writing.wait, PATIENCE_S)
    keep(store, KeptSide(_side(), after_run=5, read_at=datetime(2026, 12, 2, tzinfo=UTC)))
    taken = kept(store)
    assert taken is not None and not busy.done()
    taken.side.drop(["0-1"])
    writing.set()
    wait_for_writes()
    body = json.loads(path_of(store).read_text(encoding="utf-8"))
    assert sorted(body["side"]["invoices"]) == ["0-1", "1-1", "2-1"]
    store.close()


def test_a_large_side_is_written_a_slice_at_a_time_and_reads_back_whole(tmp_path: Path) -> None:
    store = open_store(tmp_path / "sync.sqlite3")
    large = KeptSide(_side(invoices=2 * SLICE + 1), after_run=9, read_at=datetime.now(UTC))
    body = {"after_run": 9, "side": large.side.to_json()}
    pieces = list(encoded(body))
    # Three slices of invoices, each encoded on its own, and the same text as one encoding.
    assert sum(piece.count('"refNumber"') > 0 for piece in pieces) == 3
    assert json.loads("".join(pieces)) == json.loads(json.dumps(body))

    keep(store, large)
    assert kept(store) is not None  # taken from memory: the next one comes from the file
    from_file = kept(store)
    assert from_file is not None and from_file.side.invoices == large.side.invoices
    assert from_file.side.open_by_customer == large.side.open_by_customer
    store.close()
