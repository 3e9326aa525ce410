"""The store's queries for matches waiting for the bookkeeper (an account and a customer that may
be one company) and for fields QuickBooks and Salesforce hold differently (conflicts)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.store.database import now_iso
from app.store.query_mixin import StoreQueries


@dataclass(frozen=True)
class StoredMatch:
    """A proposed pair: linked only once the bookkeeper confirms it."""

    id: int
    account_id: str
    customer_id: str
    basis: str
    account_name: str
    customer_name: str
    reason: str
    proposed_at: str
    decision: str | None = None
    decided_at: str | None = None
    decided_by: str | None = None


@dataclass(frozen=True)
class StoredConflict:
    """One field of one linked pair that the two systems hold differently; values are
    dotted QuickBooks path -> value."""

    id: int
    workflow: str
    qb_id: str
    sf_id: str
    record: str
    field: str
    kind: str
    quickbooks: dict[str, Any]
    salesforce: dict[str, Any]
    found_at: str
    kept: str | None = None
    resolved_at: str | None = None
    resolved_by: str | None = None


class MatchQueries(StoreQueries):
    """Mixed into `Store`, which provides the connection helpers."""

    # -- matches to confirm -------------------------------------------------------------------
    def propose_matches(self, rows: Iterable[tuple[str, str, str, str, str, str]]) -> None:
        """(account id, customer id, basis, account name, customer name, reason) pairs; a pair
        already proposed keeps its decision."""
        now = now_iso()
        with self.transaction():
            for row in rows:
                self._execute(
                    "INSERT INTO match_proposals (account_id, customer_id, basis, account_name,"
                    " customer_name, reason, proposed_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (account_id, customer_id) DO UPDATE SET"
                    " account_name = excluded.account_name,"
                    " customer_name = excluded.customer_name WHERE decision IS NULL",
                    (*row, now),
                )

    def open_matches(self) -> list[StoredMatch]:
        rows = self._execute(
            "SELECT * FROM match_proposals WHERE decision IS NULL ORDER BY id"
        ).fetchall()
        return [_match(r) for r in rows]

    def match(self, match_id: int) -> StoredMatch | None:
        row = self._execute("SELECT * FROM match_proposals WHERE id = ?", (match_id,)).fetchone()
        return _match(row) if row else None

    def decide_match(self, match_id: int, decision: str, by: str) -> None:
        """Records the decision; confirming a pair supersedes the other open proposals of its
        account and of its customer."""
        now = now_iso()
        with self.transaction():
            self._execute(
                "UPDATE match_proposals SET decision = ?, decided_at = ?, decided_by = ?"
                " WHERE id = ?",
                (decision, now, by, match_id),
            )
            if decision == "confirmed":
                self._execute(
                    "UPDATE match_proposals SET decision = 'superseded', decided_at = ?,"
                    " decided_by = ? WHERE decision IS NULL AND id != ? AND (account_id ="
                    " (SELECT account_id FROM match_proposals WHERE id = ?) OR customer_id ="
                    " (SELECT customer_id FROM match_proposals WHERE id = ?))",
                    (now, by, match_id, match_id, match_id),
                )

    def rejected_matches(self) -> set[tuple[str, str]]:
        rows = self._execute(
            "SELECT account_id, customer_id FROM match_proposals WHERE decision = 'rejected'"
        ).fetchall()
        return {(r[0], r[1]) for r in rows}

    # -- conflicts ----------------------------------------------------------------------------
    def record_conflict(
        self,
        *,
        workflow: str,
        qb_id: str,
        sf_id: str,
        record: str,
        field: str,
        kind: str,
        quickbooks: dict[str, Any],
        salesforce: dict[str, Any],
    ) -> bool:
        """Opens a conflict, or refreshes the values of the open one; True when it is new."""
        with self.transaction():
            found = self._execute(
                "SELECT id FROM field_conflicts WHERE workflow = ? AND qb_id = ? AND field = ?"
                " AND resolved_at IS NULL",
                (workflow, qb_id, field),
            ).fetchone()
            values = (json.dumps(quickbooks), json.dumps(salesforce))
            if found is not None:
                self._execute(
                    "UPDATE field_conflicts SET quickbooks = ?, salesforce = ?, record = ?"
                    " WHERE id = ?",
                    (*values, record, found[0]),
                )
                return False
            self._execute(
                "INSERT INTO field_conflicts (workflow, qb_id, sf_id, record, field, kind,"
                " quickbooks, salesforce, found_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (workflow, qb_id, sf_id, record, field, kind, *values, now_iso()),
            )
            return True

    def open_conflicts(
        self, workflow: str | None = None, qb_id: str | None = None
    ) -> list[StoredConflict]:
        sql = "SELECT * FROM field_conflicts WHERE resolved_at IS NULL"
        params: list[Any] = []
        if workflow is not None:
            sql += " AND workflow = ?"
            params.append(workflow)
        if qb_id is not None:
            sql += " AND qb_id = ?"
            params.append(qb_id)
        rows = self._execute(sql + " ORDER BY id", params).fetchall()
        return [_conflict(r) for r in rows]

    def conflict(self, conflict_id: int) -> StoredConflict | None:
        row = self._execute("SELECT * FROM field_conflicts WHERE id = ?", (conflict_id,)).fetchone()
        return _conflict(row) if row else None

    def resolve_conflict(self, conflict_id: int, kept: str, by: str) -> None:
        self._write(
            "UPDATE field_conflicts SET kept = ?, resolved_at = ?, resolved_by = ? WHERE id = ?",
            (kept, now_iso(), by, conflict_id),
        )

    def settle_conflicts(self, workflow: str, qb_id: str, fields: Iterable[str]) -> None:
        """Open conflicts about these fields are over: both sides hold the same value again."""
        now = now_iso()
        with self.transaction():
            for name in fields:
                self._execute(
                    "UPDATE field_conflicts SET kept = 'agreed', resolved_at = ?,"
                    " resolved_by = 'sync' WHERE workflow = ? AND qb_id = ? AND field = ?"
                    " AND resolved_at IS NULL",
                    (now, workflow, qb_id, name),
                )


def _match(row: sqlite3.Row) -> StoredMatch:
    return StoredMatch(
        id=int(row["id"]),
        account_id=row["account_id"],
        customer_id=row["customer_id"],
        basis=row["basis"],
        account_name=row["account_name"],
        customer_name=row["customer_name"],
        reason=row["reason"],
        proposed_at=row["proposed_at"],
        decision=row["decision"],
        decided_at=row["decided_at"],
        decided_by=row["decided_by"],
    )


def _conflict(row: sqlite3.Row) -> StoredConflict:
    return StoredConflict(
        id=int(row["id"]),
        workflow=row["workflow"],
        qb_id=row["qb_id"],
        sf_id=row["sf_id"],
        record=row["record"],
        field=row["field"],
        kind=row["kind"],
        quickbooks=json.loads(row["quickbooks"]),
        salesforce=json.loads(row["salesforce"]),
        found_at=row["found_at"],
        kept=row["kept"],
        resolved_at=row["resolved_at"],
        resolved_by=row["resolved_by"],
    )
