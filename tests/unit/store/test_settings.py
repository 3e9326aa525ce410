"""Typed settings over real SQLite, and the run history pruned by age."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.store import DamagedSettingError, FieldChange, RunItem, Store, open_store
from app.store.settings import (
    API_RESERVE,
    BULK_THRESHOLD,
    MATCHING_SKIPPED,
    RUN_HISTORY_DAYS,
    START_AT_LOGIN,
    SYNC_EVERY_MINUTES,
    WORKFLOWS,
    WrongSettingTypeError,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "s.db")
    yield s
    s.close()


def _save_raw(store: Store, key: str, json_text: str) -> None:
    with sqlite3.connect(store.path) as conn:
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, json_text))


def test_a_setting_reads_back_with_its_type_and_defaults_when_unsaved(store: Store) -> None:
    assert store.get(SYNC_EVERY_MINUTES) == 0
    assert store.get(START_AT_LOGIN) is False
    assert not store.is_set(START_AT_LOGIN)
    store.set(SYNC_EVERY_MINUTES, 30)
    store.set(MATCHING_SKIPPED, [["001A", "80000001-1"]])
    assert store.get(SYNC_EVERY_MINUTES) == 30
    assert store.get(MATCHING_SKIPPED) == [["001A", "80000001-1"]]
    store.clear(SYNC_EVERY_MINUTES)
    assert store.get(SYNC_EVERY_MINUTES) == 0


def test_a_whole_number_is_a_float_setting_and_never_a_boolean(store: Store) -> None:
    store.set(API_RESERVE, 1)
    assert store.get(API_RESERVE) == 1.0 and isinstance(store.get(API_RESERVE), float)
    with pytest.raises(WrongSettingTypeError, match=r"salesforce\.api_reserve"):
        store.set(API_RESERVE, True)  # type: ignore[arg-type]
    with pytest.raises(WrongSettingTypeError):
        store.set(SYNC_EVERY_MINUTES, "30")  # type: ignore[arg-type]
    assert store.get(SYNC_EVERY_MINUTES) == 0, "nothing was saved"


def test_a_wrongly_typed_value_is_the_default(store: Store) -> None:
    _save_raw(store, WORKFLOWS.key, '["customers"]')
    _save_raw(store, SYNC_EVERY_MINUTES.key, "true")
    assert store.get(WORKFLOWS) == {}
    assert store.get(SYNC_EVERY_MINUTES) == 0


def test_a_wrongly_typed_tuning_setting_is_named_as_damaged(store: Store) -> None:
    _save_raw(store, BULK_THRESHOLD.key, '"lots"')
    _save_raw(store, API_RESERVE.key, "false")
    for setting in (BULK_THRESHOLD, API_RESERVE):
        with pytest.raises(DamagedSettingError) as caught:
            store.get(setting)
        assert caught.value.key == setting.key
    store.set(BULK_THRESHOLD, 500)  # saving replaces the damaged value
    assert store.get(BULK_THRESHOLD) == 500


def test_a_value_that_is_not_json_is_damaged_whatever_the_setting(store: Store) -> None:
    _save_raw(store, WORKFLOWS.key, "{garbage")
    with pytest.raises(DamagedSettingError):
        store.get(WORKFLOWS)
    assert WORKFLOWS.key not in store.settings()
    assert WORKFLOWS.read(store.settings()) == {}


# -- run history ---------------------------------------------------------------------------------
def _run_aged(store: Store, days: int, *, items: int = 2) -> int:
    run_id = store.start_run("cli", "alice")
    store.add_run_items(
        RunItem(run_id, "invoices", f"INV-{run_id}-{n}", "failed", qb_id=f"{run_id}-{n}")
        for n in range(items)
    )
    store.add_field_changes([FieldChange(run_id, "invoices", f"{run_id}-0", "Amount", 1, 2)])
    store.finish_run(run_id, "succeeded", {})
    started = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="microseconds")
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE runs SET started_at = ? WHERE id = ?", (started, run_id))
    return run_id


def _count(store: Store, table: str) -> int:
    with sqlite3.connect(store.path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608


def test_runs_older_than_the_history_setting_go_with_their_items(store: Store) -> None:
    ancient, old = _run_aged(store, 800), _run_aged(store, 400)
    kept = [_run_aged(store, 300), _run_aged(store, 10), _run_aged(store, 0)]
    store.add_reconciliation(old, "cli", "alice", clean=True, body={})
    assert (_count(store, "runs"), _count(store, "run_items")) == (5, 10)

    assert store.forget_old_runs() == 2

    assert [r.id for r in store.runs()] == sorted(kept, reverse=True)
    assert store.get_run(ancient) is None and store.run_items(old) == []
    assert (_count(store, "runs"), _count(store, "run_items")) == (3, 6)
    assert _count(store, "field_changes") == 3
    reconciliation = store.last_reconciliation()
    assert reconciliation is not None and reconciliation.run_id is None, "the check stays"


def test_the_history_setting_sets_the_age_and_zero_keeps_everything(store: Store) -> None:
    for days in (90, 40, 5):
        _run_aged(store, days)
    store.set(RUN_HISTORY_DAYS, 0)
    assert store.forget_old_runs() == 0
    store.set(RUN_HISTORY_DAYS, 30)
    assert store.forget_old_runs() == 2
    assert _count(store, "runs") == 1 and _count(store, "run_items") == 2


def test_the_newest_run_and_a_running_one_are_never_pruned(store: Store) -> None:
    running = store.start_run("tray", "alice")
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE runs SET started_at = '2000-01-01T00:00:00+00:00'")
    only = _run_aged(store, 900)
    assert store.forget_old_runs() == 0
    assert {r.id for r in store.runs()} == {running, only}
