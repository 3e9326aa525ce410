"""The records still failing: those whose latest outcome in a real (not preview) run failed."""

from __future__ import annotations

from pathlib import Path

from app.store import open_store
from app.store.models import RunItem


def test_a_record_is_outstanding_while_its_latest_real_outcome_is_a_failure(tmp_path: Path) -> None:
    store = open_store(tmp_path / "sync.sqlite3")
    first = store.start_run("test", "user")
    preview = store.start_run("test", "user", dry_run=True)
    second = store.start_run("test", "user")

    def item(run: int, key: str, outcome: str, **ids: str) -> RunItem:
        return RunItem(run_id=run, workflow="invoices", record_key=key, outcome=outcome, **ids)

    store.add_run_items(
        [
            item(first, "fixed", "failed", qb_id="1-1"),
            item(first, "still", "failed", qb_id="2-1"),
            item(first, "previewed", "failed", qb_id="3-1"),
            item(first, "by sf id", "failed", sf_id="a0X1"),
            item(first, "fine", "updated", qb_id="4-1"),
            RunItem(run_id=first, workflow="payments", record_key="other", outcome="failed"),
        ]
    )
    store.add_run_items(
        [
            item(preview, "previewed", "updated", qb_id="3-1"),
            item(preview, "fine", "failed", qb_id="4-1"),
        ]
    )
    store.add_run_items(
        [
            item(second, "fixed", "updated", qb_id="1-1"),
            item(second, "still", "failed", qb_id="2-1"),
        ]
    )

    found = store.outstanding_failures("invoices")
    assert [(i.record_key, i.run_id) for i in found] == [
        ("previewed", first),
        ("by sf id", first),
        ("still", second),
    ]
    store.close()
