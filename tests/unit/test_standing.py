"""Where the two sides stand: "Up to date" only when the ledger and the last books check agree."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product
from pathlib import Path

import pytest

from app.engine.standing import Fix, State, standing
from app.engine.wording import count_of, outcomes_text, run_headline
from app.store import RunItem, Store, open_store
from app.ui.status import TrayFacts, present

EVERY = ["customers", "items", "invoices", "payments"]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "s.db")
    yield s
    s.close()


def run(
    store: Store,
    status: str,
    *,
    trigger: str = "tray",
    summary: dict[str, dict[str, int]] | None = None,
    failed: list[str] = (),  # type: ignore[assignment]
    fixed: list[str] = (),  # type: ignore[assignment]
    message: str | None = None,
    dry_run: bool = False,
) -> int:
    run_id = store.start_run(trigger, "alice", dry_run=dry_run)
    items = [RunItem(run_id, "invoices", f"INV-{q}", "failed", qb_id=q) for q in failed]
    items += [RunItem(run_id, "invoices", f"INV-{q}", "updated", qb_id=q) for q in fixed]
    store.add_run_items(items)
    store.finish_run(run_id, status, summary or {}, message)
    return run_id


def books(store: Store, run_id: int | None, *, clean: bool, error: str | None = None) -> None:
    store.add_reconciliation(run_id, "after sync", "alice", clean=clean, body={"error": error})


def test_never_synced_until_a_real_sync_and_previews_do_not_count(store: Store) -> None:
    assert standing(store, EVERY).state is State.NEVER_SYNCED
    run(store, "succeeded", trigger="preview", dry_run=True)
    assert standing(store, EVERY).state is State.NEVER_SYNCED
    run_id = run(store, "succeeded")
    books(store, run_id, clean=True)
    now = standing(store, EVERY)
    assert now.in_step and now.run_id == run_id
    assert now.line.startswith("Up to date (last sync ")
    assert "T" not in now.line.removeprefix("Up to date")  # a local time, not ISO


def test_a_stopped_sync_stays_until_a_full_sync_succeeds(store: Store) -> None:
    good = run(store, "succeeded")
    books(store, good, clean=True)
    stopped = run(
        store,
        "needs_attention",
        summary={"customers": {"unchanged": 3}, "items": {"unchanged": 2}, "invoices": {}},
        message="QuickBooks is blocked",
    )
    now = standing(store, EVERY)
    assert now.state is State.STOPPED and now.run_id == stopped
    assert now.line == "Last sync stopped at Invoices: QuickBooks is blocked"
    assert now.fix is Fix.SYNC
    # A connection check or a retry of some records is no full sync.
    run(store, "succeeded", trigger="retry")
    assert standing(store, EVERY).state is State.STOPPED
    later = run(store, "succeeded")
    books(store, later, clean=True)
    assert standing(store, EVERY).in_step


def test_cancelled_and_failed_syncs_say_so(store: Store) -> None:
    run(store, "cancelled", summary={"customers": {"created": 1}})
    now = standing(store, EVERY)
    assert now.state is State.CANCELLED
    assert now.line == "Last sync cancelled at Customers: Sync now to finish it"
    run(store, "failed", message="The records file is busy")
    assert standing(store, EVERY).line == "Last sync failed at Customers: The records file is busy"


def test_failed_records_then_a_retry_that_fixes_them_then_books_that_differ(store: Store) -> None:
    partial = run(store, "partial", failed=["1", "2", "3", "4", "5", "6", "7"])
    books(store, partial, clean=True)
    now = standing(store, EVERY)
    assert (now.state, now.failed, now.line) == (
        State.RECORDS_FAILED,
        7,
        "7 records failed: Show them",
    )
    assert now.fix is Fix.SHOW_FAILED
    retry = run(store, "succeeded", trigger="retry", fixed=["1", "2", "3", "4", "5", "6", "7"])
    books(store, retry, clean=False)
    now = standing(store, EVERY)
    assert now.state is State.BOOKS_DIFFER and not now.in_step
    assert now.fix is Fix.CHECK_BOOKS
    books(store, None, clean=True)  # Check the books, after its fix
    assert standing(store, EVERY).in_step


def test_a_books_check_that_could_not_finish_is_not_agreement(store: Store) -> None:
    good = run(store, "succeeded")
    books(store, good, clean=False, error="QuickBooks is not running")
    now = standing(store, EVERY)
    assert now.state is State.BOOKS_UNCHECKED
    assert now.line == "The books could not be checked: QuickBooks is not running"


def test_the_tray_is_never_up_to_date_unless_the_standing_is_in_step(store: Store) -> None:
    seen = 0
    for status, failed, clean in product(
        ["succeeded", "partial", "needs_attention", "cancelled", "failed", "stopped_limit"],
        [[], ["9"]],
        [True, False],
    ):
        run_id = run(store, status, failed=failed)
        books(store, run_id, clean=clean)
        now = standing(store, EVERY)
        view = present(TrayFacts(set_up=True, standing=now))
        # "partial" with no failed record: only conflicts, which the owner's side won.
        in_step = status in ("succeeded", "partial") and not failed and clean
        assert now.in_step is in_step
        assert view.line.startswith("Up to date") is in_step
        assert (view.status.value == "healthy") is in_step
        # A later success clears the failed record, so each case starts clean.
        fixed = run(store, "succeeded", fixed=["9"])
        books(store, fixed, clean=True)
        seen += 1
    assert seen == 24


def test_counts_in_words() -> None:
    assert count_of(1, "record") == "1 record"
    assert count_of(7, "record") == "7 records"
    assert run_headline("succeeded", 1, 0) == "Sync finished: 1 record written."
    assert run_headline("needs_attention", 0, 0, "invoices") == (
        "Sync stopped at Invoices: 0 records written."
    )
    assert run_headline("failed", 13, 7).startswith("Sync failed")
    counts = {"warning": 2, "created": 6, "conflict": 1, "unchanged": 0, "updated": 1200}
    assert outcomes_text(counts) == "1 conflict, 6 created, 1,200 updated, 2 warnings"
    assert outcomes_text({"unchanged": 0}) == ""


def test_a_sync_whose_books_were_never_checked_is_not_up_to_date(store: Store) -> None:
    run(store, "succeeded")
    now = standing(store, EVERY)
    assert now.state is State.BOOKS_UNCHECKED and not now.in_step
    assert now.fix is Fix.CHECK_BOOKS
    # Without invoices, credit memos or payments there are no books to check.
    assert standing(store, ["customers", "items"]).in_step


def test_matches_and_conflicts_waiting_for_the_bookkeeper_are_not_up_to_date(
    store: Store,
) -> None:
    good = run(store, "succeeded")
    books(store, good, clean=True)
    assert standing(store, EVERY).in_step
    store.propose_matches([("001A", "80-1", "phone", "Harbor Logistics", "Harbor Freight", "")])
    store.record_conflict(
        workflow="customers",
        qb_id="80-2",
        sf_id="001B",
        record="Acme",
        field="Phone",
        kind="edited in QuickBooks",
        quickbooks={"value": "555-0100"},
        salesforce={"value": "555-0199"},
    )
    now = standing(store, EVERY)
    assert now.state is State.DECISIONS_WAITING and not now.in_step
    assert now.line == "2 changes wait for your decision: Show them"
    assert now.fix is Fix.DECIDE
    assert not present(TrayFacts(set_up=True, standing=now)).line.startswith("Up to date")
    (match,) = store.open_matches()
    store.decide_match(match.id, "rejected", "alice")
    (conflict,) = store.open_conflicts()
    store.resolve_conflict(conflict.id, "quickbooks", "alice")
    assert standing(store, EVERY).in_step
