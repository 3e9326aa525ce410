from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.store import Link, OutboxState, RunItem, open_store
from app.store.database import checkpoint
from app.store.settings import SALESFORCE_USERNAME, WORKFLOWS


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = open_store(tmp_path / "s.db")
    yield s
    s.close()


def test_links_upsert_and_lookup(store) -> None:  # type: ignore[no-untyped-def]
    store.upsert_links([Link("invoices", "q1", "s1", "h1"), Link("invoices", "q2", None, "h2")])
    store.upsert_links([Link("invoices", "q2", "s2", "h3", qb_revision="7")])
    assert store.link_by_qb("invoices", "q2") == store.link_by_sf("invoices", "s2")
    link = store.link_by_qb("invoices", "q2")
    assert link is not None and link.content_hash == "h3" and link.qb_revision == "7"
    assert set(store.links_by_qb("invoices", ["q1", "q2", "zz"])) == {"q1", "q2"}
    assert store.count_links("invoices") == 2 and store.count_links("items") == 0


def test_links_without_content_carry_all_but_what_was_written(store) -> None:  # type: ignore[no-untyped-def]
    written = {"Name": "INV-1", "Subtotal__c": 12.5}
    store.upsert_links([Link("invoices", "q1", "s1", "h1", qb_revision="3", content=written)])
    [whole] = store.links("invoices")
    [bare] = store.links("invoices", content=False)
    assert whole.content == written and bare.content is None
    assert bare == Link(**{**whole.__dict__, "content": None})


def test_transaction_rolls_back_everything(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError), store.transaction():
        store.upsert_links([Link("items", "q1", "s1", "h")])
        store.set_cursor("items", "qb", "2026-01-01")
        raise RuntimeError("crash between link and cursor")
    assert store.link_by_qb("items", "q1") is None
    assert store.get_cursor("items", "qb") is None


def test_runs_and_items(store) -> None:  # type: ignore[no-untyped-def]
    run_id = store.start_run("cli", "alice")
    store.add_run_items(
        [
            RunItem(run_id, "invoices", "INV-1", "created", qb_id="q1", sf_id="s1"),
            RunItem(run_id, "invoices", "INV-2", "failed", code="STRING_TOO_LONG", message="m"),
        ]
    )
    store.finish_run(run_id, "partial", {"created": 1, "failed": 1})
    run = store.get_run(run_id)
    assert run is not None and run.status == "partial" and run.summary["failed"] == 1
    assert store.outcome_counts(run_id) == {"created": 1, "failed": 1}
    assert [i.record_key for i in store.run_items(run_id, "failed")] == ["INV-2"]
    assert store.last_run() == run


def test_outbox_records_intent_once(store) -> None:  # type: ignore[no-untyped-def]
    first = store.outbox_add("opportunities", "006A", "ext-1", "create_invoice", {"a": 1})
    again = store.outbox_add("opportunities", "006A", "ext-1", "create_invoice", {"a": 2})
    assert again.id == first.id and again.payload == {"a": 1}
    store.outbox_set_state("ext-1", OutboxState.SENT, attempted=True)
    assert [e.external_id for e in store.outbox_entries(OutboxState.SENT)] == ["ext-1"]
    store.outbox_set_state("ext-1", OutboxState.DONE, qb_id="QB-9")
    entry = store.outbox_get("ext-1")
    assert entry is not None and entry.state is OutboxState.DONE
    assert entry.qb_id == "QB-9" and entry.attempts == 1


def test_settings_and_review_decisions(store) -> None:  # type: ignore[no-untyped-def]
    store.set(WORKFLOWS, {"invoices": True})
    assert store.get(WORKFLOWS) == {"invoices": True}
    assert store.get(SALESFORCE_USERNAME) == ""
    store.set_review_decision("006X", "skipped")
    store.set_review_decision("006X", "approved")
    assert store.review_decisions() == {"006X": "approved"}


def _log_frames(path: Path) -> int:
    """Frames in the write-ahead log now (a checkpoint that copies nothing new)."""
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])
    finally:
        conn.close()


def test_a_checkpoint_after_a_run_copies_the_whole_log_so_the_next_writes_start_it_again(
    store,  # type: ignore[no-untyped-def]
) -> None:
    for batch in range(20):
        store.upsert_links(
            [Link("invoices", f"q{batch}-{n}", f"s{batch}-{n}", "h" * 40) for n in range(200)]
        )
    busy, frames, copied = store.checkpoint_soon().result()
    assert busy == 0 and frames == copied and frames > 20
    # Everything was copied: the next write starts the log from its beginning.
    store.upsert_links([Link("items", "q1", "s1", "h")])
    assert _log_frames(store.path) < frames // 4


def test_a_checkpoint_of_a_store_removed_meanwhile_makes_no_new_file(tmp_path: Path) -> None:
    gone = tmp_path / "gone.db"
    assert checkpoint(gone) is None
    assert not gone.exists()
