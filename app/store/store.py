"""Typed access to the tables: one lock-serialised connection shared by the engine threads."""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from app.store.approvals import ApprovalQueries
from app.store.database import DamagedSettingError, checkpoint, now_iso, unusable
from app.store.ledger_queries import LedgerQueries
from app.store.matches import MatchQueries
from app.store.models import (
    Cursor,
    FieldChange,
    Link,
    OutboxEntry,
    OutboxState,
    PaymentFact,
    ReconciliationRow,
    Run,
    RunItem,
)
from app.store.settings import RUN_HISTORY_DAYS, Setting

log = logging.getLogger(__name__)

T = TypeVar("T")

#: One at a time, on their own connections; joined when the interpreter exits.
_checkpoints = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-checkpoint")


class Store(LedgerQueries, ApprovalQueries, MatchQueries):
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0

    # -- lifecycle ----------------------------------------------------------------------------
    def close(self) -> None:
        # A checkpoint still connected would keep the last close from folding the log in.
        _checkpoints.submit(lambda: None).result()
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def checkpoint_soon(self) -> Future[tuple[int, int, int] | None]:
        """After a run: the write-ahead log is copied into the database now, on a thread, instead
        of by whichever commit next passes SQLite's 1,000-page mark, inside someone's wait."""
        return _checkpoints.submit(checkpoint, self.path)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit; nested calls join the outer transaction."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                problem = unusable(self.path, exc)
                if problem is None:
                    raise
                raise problem from exc
            self._depth = 1
            try:
                yield
                self._conn.execute("COMMIT")
            except BaseException as exc:
                self._depth = 0
                # SQLite ends some failed transactions itself (a full disk, for one).
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                problem = unusable(self.path, exc) if isinstance(exc, sqlite3.Error) else None
                if problem is not None:
                    raise problem from exc
                raise
            self._depth = 0

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._conn.execute(sql, params)

    def _write(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self.transaction():
            return self._conn.execute(sql, params)

    def _write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.transaction():
            self._conn.executemany(sql, rows)

    def schema_version(self) -> int:
        row = self._execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    # -- settings -----------------------------------------------------------------------------
    def get(self, setting: Setting[T]) -> T:
        """The saved value, or the setting's default when none is saved or it has the wrong type
        (DamagedSettingError for a strict setting, or a value that is not JSON at all)."""
        row = self._execute("SELECT value FROM settings WHERE key = ?", (setting.key,)).fetchone()
        if row is None:
            return setting.default
        try:
            value = json.loads(row[0])
        except ValueError as exc:
            raise DamagedSettingError(self.path, setting.key) from exc
        if setting.accepts(value):
            return setting.check(value)
        if setting.strict:
            raise DamagedSettingError(self.path, setting.key)
        log.warning("the saved setting %r has the wrong type; its default is used", setting.key)
        return setting.default

    def set(self, setting: Setting[T], value: T) -> None:
        self._write(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (setting.key, json.dumps(setting.check(value))),
        )

    def is_set(self, setting: Setting[Any]) -> bool:
        row = self._execute("SELECT 1 FROM settings WHERE key = ?", (setting.key,)).fetchone()
        return row is not None

    def clear(self, setting: Setting[Any]) -> None:
        self._write("DELETE FROM settings WHERE key = ?", (setting.key,))

    def settings(self) -> dict[str, Any]:
        """Every setting that can be read; a damaged one is left out (reading it alone says so)."""
        rows = self._execute("SELECT key, value FROM settings ORDER BY key").fetchall()
        found = {}
        for row in rows:
            try:
                found[row["key"]] = json.loads(row["value"])
            except ValueError:
                log.warning("the saved setting %r is damaged; it is left out", row["key"])
        return found

    # -- links --------------------------------------------------------------------------------
    def upsert_links(self, links: Iterable[Link]) -> None:
        now = now_iso()
        self._write_many(
            "INSERT INTO links (workflow, qb_id, sf_id, content_hash, qb_revision, sf_modstamp,"
            " created_at, updated_at, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (workflow, qb_id) DO UPDATE SET sf_id = coalesce(excluded.sf_id, sf_id),"
            " content_hash = excluded.content_hash, qb_revision = excluded.qb_revision,"
            " sf_modstamp = excluded.sf_modstamp, updated_at = excluded.updated_at,"
            " content = excluded.content",
            (
                (
                    link.workflow,
                    link.qb_id,
                    link.sf_id,
                    link.content_hash,
                    link.qb_revision,
                    link.sf_modstamp,
                    now,
                    now,
                    None if link.content is None else json.dumps(link.content, sort_keys=True),
                )
                for link in links
            ),
        )

    def forget_hashes(self, workflow: str, qb_ids: Iterable[str]) -> None:
        """The next write of these records goes out even if their content looks unchanged."""
        self._write_many(
            "UPDATE links SET content_hash = NULL WHERE workflow = ? AND qb_id = ?",
            ((workflow, qb_id) for qb_id in qb_ids),
        )

    def link_by_qb(self, workflow: str, qb_id: str) -> Link | None:
        row = self._execute(
            "SELECT * FROM links WHERE workflow = ? AND qb_id = ?", (workflow, qb_id)
        ).fetchone()
        return _link(row) if row else None

    def link_by_sf(self, workflow: str, sf_id: str) -> Link | None:
        row = self._execute(
            "SELECT * FROM links WHERE workflow = ? AND sf_id = ?", (workflow, sf_id)
        ).fetchone()
        return _link(row) if row else None

    def links_by_qb(self, workflow: str, qb_ids: Sequence[str]) -> dict[str, Link]:
        found: dict[str, Link] = {}
        for start in range(0, len(qb_ids), 500):
            chunk = list(qb_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._execute(
                f"SELECT * FROM links WHERE workflow = ? AND qb_id IN ({marks})",  # noqa: S608
                (workflow, *chunk),
            ).fetchall()
            found.update({r["qb_id"]: _link(r) for r in rows})
        return found

    def links(self, workflow: str, *, content: bool = True) -> list[Link]:
        """A workflow's links by QuickBooks id; without `content`, none carries the values
        written (100,000 of them are some hundred megabytes)."""
        columns = "*" if content else f"{_LINK_COLUMNS}, NULL AS content"
        rows = self._execute(
            f"SELECT {columns} FROM links WHERE workflow = ? ORDER BY qb_id",  # noqa: S608
            (workflow,),
        ).fetchall()
        return [_link(r) for r in rows]

    def count_links(self, workflow: str | None = None) -> int:
        if workflow is None:
            return int(self._execute("SELECT count(*) FROM links").fetchone()[0])
        return int(
            self._execute("SELECT count(*) FROM links WHERE workflow = ?", (workflow,)).fetchone()[
                0
            ]
        )

    # -- cursors ------------------------------------------------------------------------------
    def get_cursor(self, workflow: str, source: str) -> str | None:
        row = self._execute(
            "SELECT value FROM cursors WHERE workflow = ? AND source = ?", (workflow, source)
        ).fetchone()
        return None if row is None else str(row[0])

    def set_cursor(self, workflow: str, source: str, value: str) -> None:
        self._write(
            "INSERT INTO cursors (workflow, source, value, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (workflow, source) DO UPDATE SET value = excluded.value,"
            " updated_at = excluded.updated_at",
            (workflow, source, value, now_iso()),
        )

    def cursors(self) -> list[Cursor]:
        rows = self._execute("SELECT * FROM cursors ORDER BY workflow, source").fetchall()
        return [Cursor(r["workflow"], r["source"], r["value"], r["updated_at"]) for r in rows]

    # -- runs ---------------------------------------------------------------------------------
    def start_run(self, trigger: str, os_user: str, *, dry_run: bool = False) -> int:
        cur = self._write(
            "INSERT INTO runs (started_at, trigger, os_user, status, dry_run) "
            "VALUES (?, ?, ?, 'running', ?)",
            (now_iso(), trigger, os_user, int(dry_run)),
        )
        return int(cur.lastrowid or 0)

    def finish_run(
        self, run_id: int, status: str, summary: dict[str, Any], message: str | None = None
    ) -> None:
        self._write(
            "UPDATE runs SET finished_at = ?, status = ?, summary = ?, message = ? WHERE id = ?",
            (now_iso(), status, json.dumps(summary), message, run_id),
        )

    def close_unfinished_runs(self, status: str, message: str) -> int:
        """Ends the runs still marked running; call only while holding the run lock."""
        cur = self._write(
            "UPDATE runs SET finished_at = ?, status = ?, message = ? WHERE finished_at IS NULL",
            (now_iso(), status, message),
        )
        return int(cur.rowcount)

    def get_run(self, run_id: int) -> Run | None:
        row = self._execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _run(row) if row else None

    def last_run(self) -> Run | None:
        row = self._execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return _run(row) if row else None

    def runs(self, limit: int = 50) -> list[Run]:
        rows = self._execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [_run(r) for r in rows]

    def forget_old_runs(self) -> int:
        """Prunes the run history to the days the history setting keeps (0: keeps every run)."""
        days = self.get(RUN_HISTORY_DAYS)
        return self.prune_runs(timedelta(days=days)) if days > 0 else 0

    def prune_runs(self, keep: timedelta) -> int:
        """Forgets finished runs started more than `keep` ago, with their run items and field
        changes; the newest run always stays. Returns how many runs went."""
        cutoff = (datetime.now(UTC) - keep).isoformat(timespec="microseconds")
        cur = self._write(
            "DELETE FROM runs WHERE started_at < ? AND finished_at IS NOT NULL"
            " AND id < (SELECT max(id) FROM runs)",
            (cutoff,),
        )
        return int(cur.rowcount)

    def add_run_items(self, items: Iterable[RunItem]) -> None:
        now = now_iso()
        self._write_many(
            "INSERT INTO run_items (run_id, workflow, record_key, qb_id, sf_id, outcome, code,"
            " message, details, created_at, resource) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    i.run_id,
                    i.workflow,
                    i.record_key,
                    i.qb_id,
                    i.sf_id,
                    i.outcome,
                    i.code,
                    i.message,
                    i.details,
                    now,
                    i.resource,
                )
                for i in items
            ),
        )

    def run_items(self, run_id: int, outcome: str | None = None) -> list[RunItem]:
        sql = "SELECT * FROM run_items WHERE run_id = ?"
        params: list[Any] = [run_id]
        if outcome is not None:
            sql += " AND outcome = ?"
            params.append(outcome)
        rows = self._execute(sql + " ORDER BY id", params).fetchall()
        return [_run_item(r) for r in rows]

    def outstanding_failures(self, workflow: str) -> list[RunItem]:
        """Records whose latest outcome in a real (not preview) run is `failed`."""
        # The failed items first (an index), then whether each is its record's latest.
        rows = self._execute(
            "SELECT ri.* FROM run_items ri JOIN runs r ON r.id = ri.run_id"
            " WHERE ri.workflow = ? AND ri.outcome = 'failed' AND r.dry_run = 0"
            " AND ri.id = ("
            "  SELECT max(x.id) FROM run_items x JOIN runs rx ON rx.id = x.run_id"
            "  WHERE x.workflow = ri.workflow AND rx.dry_run = 0"
            "  AND coalesce(x.qb_id, x.sf_id, x.record_key)"
            "   = coalesce(ri.qb_id, ri.sf_id, ri.record_key)"
            " ) ORDER BY ri.id",
            (workflow,),
        ).fetchall()
        return [_run_item(r) for r in rows]

    def outcome_counts(self, run_id: int) -> dict[str, int]:
        rows = self._execute(
            "SELECT outcome, count(*) AS n FROM run_items WHERE run_id = ? GROUP BY outcome",
            (run_id,),
        ).fetchall()
        return {r["outcome"]: int(r["n"]) for r in rows}

    # -- field changes ------------------------------------------------------------------------
    def add_field_changes(self, changes: Iterable[FieldChange]) -> None:
        self._write_many(
            "INSERT INTO field_changes (run_id, workflow, qb_id, field, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                (c.run_id, c.workflow, c.qb_id, c.field, json.dumps(c.before), json.dumps(c.after))
                for c in changes
            ),
        )

    def field_changes(self, run_id: int) -> list[FieldChange]:
        rows = self._execute(
            "SELECT * FROM field_changes WHERE run_id = ? ORDER BY id", (run_id,)
        ).fetchall()
        return [
            FieldChange(
                run_id=int(r["run_id"]),
                workflow=r["workflow"],
                qb_id=r["qb_id"],
                field=r["field"],
                before=json.loads(r["before"]) if r["before"] is not None else None,
                after=json.loads(r["after"]) if r["after"] is not None else None,
            )
            for r in rows
        ]

    # -- reconciliations ----------------------------------------------------------------------
    def add_reconciliation(
        self,
        run_id: int | None,
        trigger: str,
        os_user: str,
        *,
        clean: bool,
        body: dict[str, Any],
    ) -> int:
        cur = self._write(
            "INSERT INTO reconciliations (run_id, created_at, trigger, os_user, clean, body)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, now_iso(), trigger, os_user, int(clean), json.dumps(body)),
        )
        return int(cur.lastrowid or 0)

    def reconciliation_for_run(self, run_id: int) -> ReconciliationRow | None:
        row = self._execute(
            "SELECT * FROM reconciliations WHERE run_id = ? ORDER BY id DESC LIMIT 1", (run_id,)
        ).fetchone()
        return _reconciliation(row) if row else None

    def last_reconciliation(self) -> ReconciliationRow | None:
        row = self._execute("SELECT * FROM reconciliations ORDER BY id DESC LIMIT 1").fetchone()
        return _reconciliation(row) if row else None

    # -- payment facts (double-entry guard) ---------------------------------------------------
    def upsert_payment_facts(self, facts: Iterable[PaymentFact]) -> None:
        self._write_many(
            "INSERT INTO payment_facts (qb_id, customer_id, amount_cents, transaction_date,"
            " ref_number, entered_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (qb_id) DO UPDATE"
            " SET customer_id = excluded.customer_id, amount_cents = excluded.amount_cents,"
            " transaction_date = excluded.transaction_date, ref_number = excluded.ref_number,"
            " entered_at = excluded.entered_at",
            (
                (
                    f.qb_id,
                    f.customer_id,
                    f.amount_cents,
                    f.transaction_date,
                    f.ref_number,
                    f.entered_at,
                )
                for f in facts
            ),
        )

    def payment_facts_matching(
        self, customer_id: str, amount_cents: int, date_from: str, date_to: str
    ) -> list[PaymentFact]:
        """Payments of this customer and amount dated within [date_from, date_to]."""
        rows = self._execute(
            "SELECT * FROM payment_facts WHERE customer_id = ? AND amount_cents = ?"
            " AND transaction_date BETWEEN ? AND ? ORDER BY entered_at, qb_id",
            (customer_id, amount_cents, date_from, date_to),
        ).fetchall()
        return [
            PaymentFact(
                qb_id=r["qb_id"],
                customer_id=r["customer_id"],
                amount_cents=int(r["amount_cents"]),
                transaction_date=r["transaction_date"],
                ref_number=r["ref_number"],
                entered_at=r["entered_at"],
            )
            for r in rows
        ]

    # -- outbox -------------------------------------------------------------------------------
    def outbox_add(
        self, workflow: str, sf_id: str, external_id: str, operation: str, payload: dict[str, Any]
    ) -> OutboxEntry:
        """Record an intended QuickBooks write; the same external id is recorded only once."""
        now = now_iso()
        with self.transaction():
            self._conn.execute(
                "INSERT INTO outbox (workflow, sf_id, external_id, operation, payload, state,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (external_id) DO NOTHING",
                (
                    workflow,
                    sf_id,
                    external_id,
                    operation,
                    json.dumps(payload),
                    OutboxState.PENDING.value,
                    now,
                    now,
                ),
            )
            entry = self.outbox_get(external_id)
        assert entry is not None
        return entry

    def outbox_retry(self, external_id: str, payload: dict[str, Any]) -> None:
        """Send a previously refused write again, with the record's current content."""
        self._write(
            "UPDATE outbox SET state = ?, payload = ?, updated_at = ? WHERE external_id = ?",
            (OutboxState.PENDING.value, json.dumps(payload), now_iso(), external_id),
        )

    def outbox_get(self, external_id: str) -> OutboxEntry | None:
        row = self._execute("SELECT * FROM outbox WHERE external_id = ?", (external_id,)).fetchone()
        return _outbox(row) if row else None

    def outbox_set_state(
        self,
        external_id: str,
        state: OutboxState,
        *,
        qb_id: str | None = None,
        error: str | None = None,
        attempted: bool = False,
    ) -> None:
        self._write(
            "UPDATE outbox SET state = ?, qb_id = coalesce(?, qb_id), last_error = ?,"
            " attempts = attempts + ?, updated_at = ? WHERE external_id = ?",
            (state.value, qb_id, error, int(attempted), now_iso(), external_id),
        )

    def outbox_entries(
        self, *states: OutboxState, workflow: str | None = None
    ) -> list[OutboxEntry]:
        sql = "SELECT * FROM outbox WHERE 1 = 1"
        params: list[Any] = []
        if states:
            sql += f" AND state IN ({','.join('?' * len(states))})"
            params.extend(s.value for s in states)
        if workflow is not None:
            sql += " AND workflow = ?"
            params.append(workflow)
        rows = self._execute(sql + " ORDER BY id", params).fetchall()
        return [_outbox(r) for r in rows]

    # -- review decisions ---------------------------------------------------------------------
    def set_review_decision(self, sf_opportunity_id: str, decision: str) -> None:
        self._write(
            "INSERT INTO review_decisions (sf_opportunity_id, decision, decided_at)"
            " VALUES (?, ?, ?) ON CONFLICT (sf_opportunity_id)"
            " DO UPDATE SET decision = excluded.decision,"
            " decided_at = excluded.decided_at",
            (sf_opportunity_id, decision, now_iso()),
        )

    def clear_review_decision(self, sf_opportunity_id: str) -> None:
        self._write(
            "DELETE FROM review_decisions WHERE sf_opportunity_id = ?", (sf_opportunity_id,)
        )

    def review_decisions(self) -> dict[str, str]:
        rows = self._execute("SELECT sf_opportunity_id, decision FROM review_decisions").fetchall()
        return {r[0]: r[1] for r in rows}


_LINK_COLUMNS = (
    "workflow, qb_id, sf_id, content_hash, qb_revision, sf_modstamp, created_at, updated_at"
)


def _link(row: sqlite3.Row) -> Link:
    return Link(
        workflow=row["workflow"],
        qb_id=row["qb_id"],
        sf_id=row["sf_id"],
        content_hash=row["content_hash"],
        qb_revision=row["qb_revision"],
        sf_modstamp=row["sf_modstamp"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        content=json.loads(row["content"]) if row["content"] else None,
    )


def _reconciliation(row: sqlite3.Row) -> ReconciliationRow:
    return ReconciliationRow(
        id=int(row["id"]),
        run_id=row["run_id"],
        created_at=row["created_at"],
        trigger=row["trigger"],
        os_user=row["os_user"],
        clean=bool(row["clean"]),
        body=json.loads(row["body"]),
    )


def _run(row: sqlite3.Row) -> Run:
    return Run(
        id=int(row["id"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        trigger=row["trigger"],
        os_user=row["os_user"],
        status=row["status"],
        dry_run=bool(row["dry_run"]),
        summary=json.loads(row["summary"] or "{}"),
        message=row["message"],
    )


def _run_item(row: sqlite3.Row) -> RunItem:
    return RunItem(
        run_id=int(row["run_id"]),
        workflow=row["workflow"],
        record_key=row["record_key"],
        outcome=row["outcome"],
        qb_id=row["qb_id"],
        sf_id=row["sf_id"],
        code=row["code"],
        message=row["message"],
        details=row["details"],
        created_at=row["created_at"],
        resource=row["resource"],
    )


def _outbox(row: sqlite3.Row) -> OutboxEntry:
    return OutboxEntry(
        id=int(row["id"]),
        workflow=row["workflow"],
        sf_id=row["sf_id"],
        external_id=row["external_id"],
        operation=row["operation"],
        payload=json.loads(row["payload"]),
        state=OutboxState(row["state"]),
        qb_id=row["qb_id"],
        attempts=int(row["attempts"]),
        last_error=row["last_error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
