# ruff: noqa: S608 - identifiers come from the schema and are quoted; every value is bound
"""SQLite storage: one table per object (a column per field), meta counters, nested transactions.

In memory by default; with a path the org survives a restart. All access goes through one
connection under `lock`, so the threaded server can share it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from app.sandbox.salesforce.schema import FieldDef, ObjectDef, Schema

#: Case-insensitive text comparison for every text column that is not case-sensitive.
NOCASE = "SFNOCASE"


def _nocase(left: str, right: str) -> int:
    a, b = left.casefold(), right.casefold()
    return (a > b) - (a < b)


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Transaction:
    def __init__(self) -> None:
        self.rolled_back = False

    def rollback(self) -> None:
        """Undo everything done inside this transaction when it ends."""
        self.rolled_back = True


class Store:
    def __init__(self, schema: Schema, path: str | Path | None = None) -> None:
        self.schema = schema
        self.lock = threading.RLock()
        self.persistent = path is not None
        self._db = sqlite3.connect(
            str(path) if path is not None else ":memory:",
            check_same_thread=False,
            isolation_level=None,
        )
        self._db.create_collation(NOCASE, _nocase)
        if self.persistent:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._depth = 0
        self._create_tables()

    # -- structure -----------------------------------------------------------------------------
    def sync_tables(self) -> None:
        """Tables and columns for objects and fields the schema gained since the store opened."""
        self._create_tables()

    def _create_tables(self) -> None:
        with self.lock:
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            for obj in self.schema.all_objects():
                table = q(obj.name)
                columns = [
                    f"{q(f.name)} {f.sql_type}" + (" PRIMARY KEY" if f.name == "Id" else "")
                    for f in obj.fields.values()
                ]
                self._db.execute(f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(columns)})")
                present = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
                for f in obj.fields.values():
                    if f.name not in present:
                        self._db.execute(f"ALTER TABLE {table} ADD COLUMN {q(f.name)} {f.sql_type}")
                for f in obj.fields.values():
                    if (
                        f.unique
                        or f.external_id
                        or f.type == "reference"
                        or f.name == "SystemModstamp"
                    ):
                        collate = f" COLLATE {NOCASE}" if f.ignores_case else ""
                        self._db.execute(
                            f"CREATE INDEX IF NOT EXISTS {q(f'ix_{obj.name}_{f.name}')} "
                            f"ON {table} ({q(f.name)}{collate})"
                        )

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self.lock:
            return self._db.execute(sql, params)

    def select(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            return self._db.execute(sql, params).fetchall()

    # -- transactions --------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A savepoint; nested ones roll back alone. An exception rolls back and re-raises."""
        with self.lock:
            name = f"sp{self._depth}"
            self._depth += 1
            self._db.execute(f"SAVEPOINT {name}")
            tx = Transaction()
            try:
                yield tx
            except BaseException:
                self._db.execute(f"ROLLBACK TO {name}")
                self._db.execute(f"RELEASE {name}")
                raise
            else:
                if tx.rolled_back:
                    self._db.execute(f"ROLLBACK TO {name}")
                self._db.execute(f"RELEASE {name}")
            finally:
                self._depth -= 1

    # -- meta ----------------------------------------------------------------------------------
    def meta(self, key: str, default: str | None = None) -> str | None:
        rows = self.select("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else default

    def set_meta(self, key: str, value: str) -> None:
        self.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def next_number(self, key: str, start: int = 1) -> int:
        rows = self.select(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
            "DO UPDATE SET value = CAST(value AS INTEGER) + 1 RETURNING value",
            (key, str(start)),
        )
        return int(rows[0][0])

    # -- records -------------------------------------------------------------------------------
    def _row(self, obj: ObjectDef, cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def get(self, obj: ObjectDef, record_id: str) -> dict[str, Any] | None:
        with self.lock:
            cursor = self._db.execute(f"SELECT * FROM {q(obj.name)} WHERE Id = ?", (record_id,))
            rows = self._row(obj, cursor)
        return rows[0] if rows else None

    def find(
        self,
        obj: ObjectDef,
        f: FieldDef,
        value: Any,
        *,
        include_deleted: bool = False,
        ignore_case: bool | None = None,
    ) -> list[str]:
        """Ids of the records whose `f` equals `value` (case-insensitive unless `f` says so, or
        as `ignore_case` says)."""
        if ignore_case is None:
            ignore_case = f.ignores_case
        collate = f" COLLATE {NOCASE}" if ignore_case else ""
        deleted = "" if include_deleted else " AND IsDeleted = 0"
        rows = self.select(
            f"SELECT Id FROM {q(obj.name)} WHERE {q(f.name)} = ?{collate}{deleted} ORDER BY Id",
            (value,),
        )
        return [row[0] for row in rows]

    def insert(self, obj: ObjectDef, row: dict[str, Any]) -> None:
        self.insert_many(obj, [row])

    def insert_many(self, obj: ObjectDef, rows: Iterable[dict[str, Any]]) -> None:
        names = list(obj.fields.values())
        sql = (
            f"INSERT INTO {q(obj.name)} ({', '.join(q(f.name) for f in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})"
        )
        with self.lock:
            self._db.executemany(sql, ([row.get(f.name) for f in names] for row in rows))

    def update(self, obj: ObjectDef, record_id: str, changes: dict[str, Any]) -> None:
        if not changes:
            return
        assignments = ", ".join(f"{q(name)} = ?" for name in changes)
        self.execute(
            f"UPDATE {q(obj.name)} SET {assignments} WHERE Id = ?", [*changes.values(), record_id]
        )

    def remove(self, obj: ObjectDef, record_id: str) -> None:
        self.execute(f"DELETE FROM {q(obj.name)} WHERE Id = ?", (record_id,))

    def rows(self, obj: ObjectDef, *, include_deleted: bool = True) -> list[dict[str, Any]]:
        where = "" if include_deleted else " WHERE IsDeleted = 0"
        with self.lock:
            cursor = self._db.execute(f"SELECT * FROM {q(obj.name)}{where} ORDER BY Id")
            return self._row(obj, cursor)

    def latest(self, obj: ObjectDef, field_name: str) -> Any:
        return self.select(f"SELECT MAX({q(field_name)}) FROM {q(obj.name)}")[0][0]

    def count(self, obj: ObjectDef) -> int:
        return int(self.select(f"SELECT COUNT(*) FROM {q(obj.name)}")[0][0])

    def close(self) -> None:
        with self.lock:
            self._db.close()
