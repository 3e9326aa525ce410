"""SQLite storage for the company file and Conductor's own objects.

Records are kept as compact JSON (only the fields that have values) with the columns the list
filters need beside them, so a benchmark-sized company (100k invoices) stays small and a list
query never loads the whole table. `:memory:` by default; a file path persists across restarts.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from app.sandbox.conductor.values import cents

NAMESPACES = {
    "customer": "name",
    "vendor": "name",
    "employee": "name",
    "other_name": "name",
    "service_item": "item",
    "non_inventory_item": "item",
    "account": "account",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    updated_at TEXT NOT NULL,
    namespace TEXT,
    name_key TEXT,
    name TEXT,
    is_active INTEGER,
    ref_number TEXT,
    customer_id TEXT,
    txn_date TEXT,
    is_paid INTEGER,
    open_cents INTEGER,
    accounts TEXT,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_kind_seq ON records (kind, seq);
CREATE INDEX IF NOT EXISTS records_kind_updated ON records (kind, updated_at);
CREATE INDEX IF NOT EXISTS records_kind_customer ON records (kind, customer_id);
CREATE INDEX IF NOT EXISTS records_kind_ref ON records (kind, ref_number);
CREATE INDEX IF NOT EXISTS records_kind_date ON records (kind, txn_date);
CREATE UNIQUE INDEX IF NOT EXISTS records_name ON records (namespace, name_key);
CREATE TABLE IF NOT EXISTS deleted (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    category TEXT NOT NULL,
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    deleted_at TEXT NOT NULL,
    label TEXT
);
CREATE TABLE IF NOT EXISTS conductor (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
"""

_COLUMNS = (
    "kind",
    "id",
    "updated_at",
    "namespace",
    "name_key",
    "name",
    "is_active",
    "ref_number",
    "customer_id",
    "txn_date",
    "is_paid",
    "open_cents",
    "accounts",
    "body",
)


def index_columns(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """The filterable columns of a record, all derived from its body."""
    namespace = NAMESPACES.get(kind)
    customer = body.get("customer") or {}
    accounts = [
        (body.get(ref) or {}).get("id") for ref in ("receivablesAccount", "depositToAccount")
    ]
    if kind == "invoice":
        # A pending invoice is non-posting: it does not reach accounts receivable.
        open_amount = 0 if body.get("isPending") else cents(body.get("balanceRemaining"))
    elif kind == "credit_memo":
        open_amount = -cents(body.get("creditRemaining"))
    elif kind == "receive_payment":
        open_amount = -cents(body.get("unusedPayment"))
    elif kind == "customer":
        open_amount = cents(body.get("balance"))
    else:
        open_amount = None
    return {
        "kind": kind,
        "id": body["id"],
        "updated_at": body["updatedAt"],
        "namespace": namespace,
        "name_key": body["fullName"].lower() if namespace else None,
        "name": body.get("name"),
        "is_active": _flag(body.get("isActive")),
        "ref_number": body.get("refNumber"),
        "customer_id": customer.get("id"),
        "txn_date": body.get("transactionDate"),
        "is_paid": _flag(body.get("isPaid")),
        "open_cents": open_amount,
        "accounts": "|" + "|".join(a for a in accounts if a) + "|",
        "body": json.dumps(body, separators=(",", ":")),
    }


def _flag(value: Any) -> int | None:
    return None if value is None else int(bool(value))


def _ref_key(ref: str, bound: str) -> tuple[Any, Any]:
    if ref.isdigit() and bound.isdigit():
        return int(ref), int(bound)
    return ref, bound


def _ref_ge(ref: str | None, bound: str) -> bool:
    if ref is None:
        return False
    left, right = _ref_key(ref, bound)
    return left >= right


def _ref_le(ref: str | None, bound: str) -> bool:
    if ref is None:
        return False
    left, right = _ref_key(ref, bound)
    return left <= right


class Store:
    def __init__(self, path: str | None = None) -> None:
        self.path = path or ":memory:"
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.create_function("ref_ge", 2, _ref_ge, deterministic=True)
        self._db.create_function("ref_le", 2, _ref_le, deterministic=True)
        if self.path != ":memory:":
            # One process owns the file; WAL without a sync per statement keeps a demo snappy.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.RLock()
        self._depth = 0
        self._numbers: dict[str, int] = {}
        with self._lock:
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing; nested calls join the outer transaction."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    # -- meta -------------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def next_number(self, counter: str, start: int) -> int:
        with self._lock:
            if counter not in self._numbers:
                current = self.meta(counter)
                self._numbers[counter] = int(current) if current is not None else start - 1
            # After a rollback the stored counter lags this one; ids skip numbers, never repeat.
            self._numbers[counter] += 1
            number = self._numbers[counter]
            self.set_meta(counter, str(number))
        return number

    # -- records ----------------------------------------------------------------------------
    def insert(self, kind: str, body: dict[str, Any]) -> None:
        columns = index_columns(kind, body)
        marks = ", ".join("?" for _ in _COLUMNS)
        with self._lock:
            self._db.execute(
                f"INSERT INTO records ({', '.join(_COLUMNS)}) VALUES ({marks})",  # noqa: S608
                [columns[c] for c in _COLUMNS],
            )

    def insert_many(self, rows: Sequence[tuple[str, dict[str, Any]]]) -> None:
        marks = ", ".join("?" for _ in _COLUMNS)
        values = []
        for kind, body in rows:
            columns = index_columns(kind, body)
            values.append([columns[c] for c in _COLUMNS])
        with self._lock:
            self._db.executemany(
                f"INSERT INTO records ({', '.join(_COLUMNS)}) VALUES ({marks})",  # noqa: S608
                values,
            )

    def replace(self, kind: str, body: dict[str, Any]) -> None:
        columns = index_columns(kind, body)
        names = [c for c in _COLUMNS if c not in ("kind", "id")]
        assignments = ", ".join(f"{c} = ?" for c in names)
        with self._lock:
            self._db.execute(
                f"UPDATE records SET {assignments} WHERE id = ? AND kind = ?",  # noqa: S608
                [*(columns[c] for c in names), body["id"], kind],
            )

    def remove(self, record_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM records WHERE id = ?", (record_id,))

    def get(self, record_id: str) -> tuple[str, dict[str, Any]] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT kind, body FROM records WHERE id = ?", (record_id,)
            ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def find_name(self, namespace: str, full_name: str) -> tuple[str, dict[str, Any]] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT kind, body FROM records WHERE namespace = ? AND name_key = ?",
                (namespace, full_name.lower()),
            ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def select(
        self,
        where: str,
        params: Sequence[Any],
        *,
        limit: int | None = None,
        order: str = "seq",
    ) -> list[tuple[int, str, dict[str, Any]]]:
        sql = f"SELECT seq, kind, body FROM records WHERE {where} ORDER BY {order}"  # noqa: S608
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            rows = self._db.execute(sql, list(params)).fetchall()
        return [(seq, kind, json.loads(body)) for seq, kind, body in rows]

    def count(self, where: str, params: Sequence[Any]) -> int:
        with self._lock:
            row = self._db.execute(
                f"SELECT COUNT(*) FROM records WHERE {where}",  # noqa: S608
                list(params),
            ).fetchone()
        return int(row[0])

    def open_cents(self, customer_id: str) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(SUM(open_cents), 0) FROM records "
                "WHERE customer_id = ? AND kind IN ('invoice', 'receive_payment', 'credit_memo')",
                (customer_id,),
            ).fetchone()
        return int(row[0])

    def latest_timestamp(self) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT MAX(t) FROM (SELECT MAX(updated_at) AS t FROM records "
                "UNION ALL SELECT MAX(deleted_at) FROM deleted)"
            ).fetchone()
        return row[0] if row else None

    # -- deletions --------------------------------------------------------------------------
    def add_deleted(
        self,
        category: str,
        type_: str,
        record_id: str,
        created_at: str,
        deleted_at: str,
        label: str | None,
    ) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO deleted (category, type, id, created_at, deleted_at, label) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (category, type_, record_id, created_at, deleted_at, label),
            )

    def deleted(
        self, category: str, types: Sequence[str], after: str, before: str | None
    ) -> list[dict[str, Any]]:
        marks = ", ".join("?" for _ in types)
        sql = (
            "SELECT type, id, created_at, deleted_at, label FROM deleted "  # noqa: S608
            f"WHERE category = ? AND type IN ({marks}) AND deleted_at >= ?"
        )
        params: list[Any] = [category, *types, after]
        if before is not None:
            sql += " AND deleted_at <= ?"
            params.append(before)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY seq", params).fetchall()
        keys = ("type", "id", "created_at", "deleted_at", "label")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    # -- Conductor objects (end users, auth sessions) ---------------------------------------
    def put_object(self, kind: str, body: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO conductor (kind, id, body) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                (kind, body["id"], json.dumps(body, separators=(",", ":"))),
            )

    def get_object(self, kind: str, object_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM conductor WHERE kind = ? AND id = ?", (kind, object_id)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def objects(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM conductor WHERE kind = ? ORDER BY seq", (kind,)
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def remove_object(self, object_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM conductor WHERE id = ?", (object_id,))

    def dump_rows(self) -> dict[str, list[Any]]:
        """Everything, in a stable order, for comparing two runs."""
        with self._lock:
            records = self._db.execute("SELECT kind, body FROM records ORDER BY seq").fetchall()
            deleted = self._db.execute(
                "SELECT category, type, id, created_at, deleted_at, label FROM deleted ORDER BY seq"
            ).fetchall()
            objects = self._db.execute("SELECT kind, body FROM conductor ORDER BY seq").fetchall()
        return {
            "records": [(k, json.loads(b)) for k, b in records],
            "deleted": [list(r) for r in deleted],
            "objects": [(k, json.loads(b)) for k, b in objects],
        }
