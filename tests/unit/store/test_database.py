from __future__ import annotations

import multiprocessing
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

from app.store import DatabaseUnreadableError, Link, open_store
from app.store.database import MigrationError, current_version
from app.store.migrations import LATEST_VERSION, MIGRATIONS, Migration
from app.store.settings import Setting

KEPT = Setting("kept", int, 0)


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows}


def test_migrates_from_empty_to_latest(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = open_store(path)
    assert store.schema_version() == LATEST_VERSION
    store.close()
    assert {"settings", "links", "cursors", "runs", "run_items", "outbox", "review_decisions"} <= (
        _tables(path)
    )
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("start", [m.version for m in MIGRATIONS[:-1]])
def test_migrates_from_every_earlier_version_keeping_data(tmp_path: Path, start: int) -> None:
    path = tmp_path / "s.db"
    old = open_store(path, migrations=[m for m in MIGRATIONS if m.version <= start])
    assert old.schema_version() == start
    old.set(KEPT, 42)
    old.close()
    store = open_store(path)
    assert store.schema_version() == LATEST_VERSION
    assert store.get(KEPT) == 42
    store.close()
    backups = list(tmp_path.glob(f"s.v{start}.*.bak"))
    assert len(backups) == 1, "a backup is made before migrating"
    with sqlite3.connect(backups[0]) as conn:
        assert current_version(conn) == start


def test_migrating_twice_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    open_store(path).close()
    open_store(path).close()
    with sqlite3.connect(path) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_version")]
    assert versions == [m.version for m in MIGRATIONS]
    assert not list(tmp_path.glob("*.bak")), "nothing to migrate, so no backup"


def test_failing_migration_keeps_old_data_and_backup(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = open_store(path)
    store.set(KEPT, 42)
    store.close()
    broken = Migration(
        LATEST_VERSION + 1,
        "half-done change",
        ("CREATE TABLE extra (x INTEGER)", "INSERT INTO no_such_table VALUES (1)"),
    )
    with pytest.raises(MigrationError) as caught:
        open_store(path, migrations=[*MIGRATIONS, broken])
    assert caught.value.backup is not None and caught.value.backup.exists()
    assert "Nothing was changed" in str(caught.value)
    assert "extra" not in _tables(path), "the first statement was rolled back"
    store = open_store(path)
    assert store.schema_version() == LATEST_VERSION
    assert store.get(KEPT) == 42
    store.close()


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    open_store(path).close()
    with pytest.raises(Exception, match="newer version"):
        open_store(path, migrations=MIGRATIONS[:1])


def test_corrupt_file_is_reported_and_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    with pytest.raises(DatabaseUnreadableError) as caught:
        open_store(path)
    moved = caught.value.moved_to
    assert moved.read_bytes() == garbage, "the unreadable file is preserved byte for byte"
    assert str(moved) in str(caught.value)
    assert not path.exists()
    store = open_store(path)  # the next start begins afresh
    assert store.schema_version() == LATEST_VERSION
    store.close()


def test_damaged_pages_are_detected(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = open_store(path)
    store.upsert_links(Link("invoices", f"qb{i}", f"sf{i}", "h") for i in range(2000))
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 3 : page * 3 + 200] = b"\xff" * 200
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseUnreadableError):
        open_store(path)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_files_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new" / "s.db"
    open_store(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def _writer(path: str, name: str, count: int) -> None:
    store = open_store(Path(path))
    for i in range(count):
        with store.transaction():
            store.set(Setting(f"{name}-{i}", int, 0), i)
            store.set_cursor(name, "qb", str(i))
    store.close()


def test_two_processes_write_at_once(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    open_store(path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), n, 150)) for n in ("tray", "cli")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    store = open_store(path)
    settings = store.settings()
    assert sum(1 for k in settings if k.startswith("tray-")) == 150
    assert sum(1 for k in settings if k.startswith("cli-")) == 150
    assert store.get_cursor("tray", "qb") == "149"
    store.close()
