"""Opening the SQLite file: pragmas, permissions, corruption handling and migrations."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from app.store.migrations import MIGRATIONS, Migration

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 15_000


class DatabaseError(Exception):
    """A problem with the local database, in words a user can act on."""


class DatabaseUnreadableError(DatabaseError):
    """The file is not a readable SQLite database; it was moved aside, not overwritten."""

    def __init__(self, path: Path, moved_to: Path, reason: str) -> None:
        self.path = path
        self.moved_to = moved_to
        self.reason = reason
        super().__init__(
            f"The sync database {path} could not be read ({reason}). It was kept as {moved_to} "
            "and a new, empty database will be created at the next start. Sync history starts "
            "again; records already linked in Salesforce are matched again by their QuickBooks ids."
        )


class DatabaseBusyError(DatabaseError):
    """Another program holds the file; it was left as it is."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"The sync database {path} is in use by another program, so nothing was done. "
            "Close other copies of this app (or the program that has the file open), then try "
            "again."
        )


class DatabaseFullError(DatabaseError):
    """The disk (or the file's allowed size) is full; the change being saved was rolled back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"The disk holding the sync database {path} is full, so the last change was not "
            "saved. Nothing is lost: the next sync does that work again. Free some space, then "
            "try again."
        )


class DamagedSettingError(DatabaseError):
    def __init__(self, path: Path, key: str) -> None:
        self.key = key
        super().__init__(
            f"The saved setting '{key}' in the sync database {path} is damaged, so nothing was "
            "done. Set it again (in Settings, or with the command that sets it); saving replaces "
            "the damaged value."
        )


def unusable(path: Path, exc: sqlite3.Error) -> DatabaseError | None:
    """The plain-words error for a database that is busy or full; None for anything else."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return DatabaseBusyError(path)
    if name.startswith("SQLITE_FULL"):
        return DatabaseFullError(path)
    return None


def _damaged(exc: sqlite3.Error) -> bool:
    """Only a damaged file is moved aside; a busy, full or read-only one is left alone."""
    name = getattr(exc, "sqlite_errorname", None)
    return name is None or name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))


class MigrationError(DatabaseError):
    def __init__(self, migration: Migration, backup: Path | None, cause: Exception) -> None:
        self.migration = migration
        self.backup = backup
        where = f" A copy made before the update is at {backup}." if backup else ""
        super().__init__(
            f"Updating the sync database to version {migration.version} "
            f"({migration.description}) failed: {cause}. Nothing was changed.{where}"
        )


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def connect(path: Path) -> sqlite3.Connection:
    """A connection with the pragmas every user of the file needs."""
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def checkpoint(path: Path) -> tuple[int, int, int] | None:
    """Copy the write-ahead log into the database, on a connection of its own, without waiting
    for anyone (PASSIVE): (busy, frames in the log, frames copied), or None if it could not."""
    try:
        # Read-write, never create: a file removed meanwhile is not made again, empty.
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
    except sqlite3.Error as exc:
        log.info("the write-ahead log could not be copied now: %s", exc)
        return None
    try:
        busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(busy), int(frames), int(copied)
    except sqlite3.Error as exc:
        log.info("the write-ahead log could not be copied now: %s", exc)
        return None
    finally:
        conn.close()


def open_connection(path: Path, migrations: Sequence[Migration] = MIGRATIONS) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the database at `path`."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True)
        _restrict(path.parent, 0o700)
    created = not path.exists()
    if created:
        # SQLite gives its -wal and -shm files the database file's mode when it creates them.
        path.touch(mode=0o600)
    try:
        conn = connect(path)
        _check_readable(conn)
    except sqlite3.DatabaseError as exc:
        with contextlib.suppress(NameError):
            conn.close()
        if not _damaged(exc):
            raise unusable(path, exc) or DatabaseError(
                f"The sync database {path} could not be opened ({exc}). It was left as it is."
            ) from exc
        raise _move_aside(path, str(exc)) from exc
    _restrict(path, 0o600)
    try:
        migrate(conn, path, migrations, backup=not created)
    except Exception as exc:
        conn.close()
        problem = unusable(path, exc) if isinstance(exc, sqlite3.Error) else None
        if problem is not None:
            raise problem from exc
        raise
    return conn


def _check_readable(conn: sqlite3.Connection) -> None:
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    result = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
    if result != "ok":
        raise sqlite3.DatabaseError(f"integrity check: {result}")


def _move_aside(path: Path, reason: str) -> DatabaseUnreadableError:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    moved = path.with_name(f"{path.name}.unreadable-{stamp}")
    n = 1
    while moved.exists():
        n += 1
        moved = path.with_name(f"{path.name}.unreadable-{stamp}-{n}")
    path.rename(moved)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(moved.with_name(moved.name + suffix))
    return DatabaseUnreadableError(path, moved, reason)


def current_version(conn: sqlite3.Connection) -> int:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(
    conn: sqlite3.Connection, path: Path, migrations: Sequence[Migration], *, backup: bool
) -> int:
    """Apply the pending migrations in order, each in its own transaction."""
    versions = [m.version for m in migrations]
    if versions != sorted(set(versions)):
        raise ValueError("migrations must have strictly increasing versions")
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version "
            "(version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        version = current_version(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    latest = versions[-1] if versions else 0
    if version > latest:
        raise DatabaseError(
            f"The sync database {path} was written by a newer version of this app "
            f"(schema {version}; this version knows {latest}). Install the newer version."
        )
    pending = [m for m in migrations if m.version > version]
    if not pending:
        return version
    backup_path = _backup(conn, path, version) if backup and version > 0 else None
    for migration in pending:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if current_version(conn) >= migration.version:  # another process got there first
                conn.execute("COMMIT")
                continue
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.description, now_iso()),
            )
            conn.execute("COMMIT")
        except Exception as exc:
            conn.execute("ROLLBACK")
            raise MigrationError(migration, backup_path, exc) from exc
    return pending[-1].version


def _backup(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    target = path.with_name(f"{path.stem}.v{version}.{datetime.now(UTC):%Y%m%d%H%M%S}.bak")
    dest = sqlite3.connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    _restrict(target, 0o600)
    return target


def _restrict(path: Path, mode: int) -> None:
    """Owner-only access on POSIX; on Windows the per-user profile folder already is."""
    if sys.platform != "win32":
        path.chmod(mode)
