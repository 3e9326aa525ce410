"""The store's queries for approvals: the signed invoice, its decision and its outbox entry,
written together so a crash never leaves one without the others."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from app.store.database import now_iso
from app.store.models import Approval, OutboxState
from app.store.query_mixin import StoreQueries

APPROVED = "approved"


class ApprovalQueries(StoreQueries):
    """Mixed into `Store`, which provides the connection helpers."""

    def sign_approval(
        self, approval: Approval, *, workflow: str, external_id: str, operation: str
    ) -> None:
        """Records the approval, the 'approved' decision and the outbox entry of its body.

        An entry already sent keeps its state, so its outcome is still looked up before
        anything is sent again; an entry QuickBooks confirmed is never touched."""
        now = now_iso()
        with self.transaction():
            self._execute(
                "INSERT INTO approvals (sf_opportunity_id, fingerprint, draft, ref_number, total,"
                " approved_at, lapsed_at, lapse_reason) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)"
                " ON CONFLICT (sf_opportunity_id) DO UPDATE SET fingerprint = excluded.fingerprint,"
                " draft = excluded.draft, ref_number = excluded.ref_number,"
                " total = excluded.total, approved_at = excluded.approved_at,"
                " lapsed_at = NULL, lapse_reason = NULL, held_reason = NULL",
                (
                    approval.sf_opportunity_id,
                    approval.fingerprint,
                    json.dumps(approval.draft),
                    approval.ref_number,
                    approval.total,
                    now,
                ),
            )
            self._execute(
                "INSERT INTO review_decisions (sf_opportunity_id, decision, decided_at)"
                " VALUES (?, ?, ?) ON CONFLICT (sf_opportunity_id)"
                " DO UPDATE SET decision = excluded.decision, decided_at = excluded.decided_at",
                (approval.sf_opportunity_id, APPROVED, now),
            )
            self._execute(
                "INSERT INTO outbox (workflow, sf_id, external_id, operation, payload, state,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (external_id) DO UPDATE SET payload = excluded.payload,"
                " state = CASE WHEN state = ? THEN state ELSE excluded.state END,"
                " updated_at = excluded.updated_at WHERE state != ?",
                (
                    workflow,
                    approval.sf_opportunity_id,
                    external_id,
                    operation,
                    json.dumps(approval.draft),
                    OutboxState.PENDING.value,
                    now,
                    now,
                    OutboxState.SENT.value,
                    OutboxState.DONE.value,
                ),
            )

    def lapse_approval(self, sf_opportunity_id: str, reason: str) -> None:
        """The approval no longer holds: nothing is sent until the bookkeeper approves again."""
        with self.transaction():
            self._execute(
                "UPDATE approvals SET lapsed_at = ?, lapse_reason = ?"
                " WHERE sf_opportunity_id = ? AND lapsed_at IS NULL",
                (now_iso(), reason, sf_opportunity_id),
            )
            self._execute(
                "DELETE FROM review_decisions WHERE sf_opportunity_id = ? AND decision = ?",
                (sf_opportunity_id, APPROVED),
            )

    def hold_approval(self, sf_opportunity_id: str, reason: str) -> None:
        """QuickBooks saved another invoice than the one signed: no sync links it; it waits in
        the review queue, with `reason`, until the bookkeeper has looked and approves again."""
        with self.transaction():
            self._execute(
                "UPDATE approvals SET held_reason = ? WHERE sf_opportunity_id = ?",
                (reason, sf_opportunity_id),
            )
            self._execute(
                "DELETE FROM review_decisions WHERE sf_opportunity_id = ? AND decision = ?",
                (sf_opportunity_id, APPROVED),
            )

    def release_approval(self, sf_opportunity_id: str) -> None:
        """The bookkeeper looked at the invoice QuickBooks saved and approved it as it is."""
        with self.transaction():
            self._execute(
                "UPDATE approvals SET held_reason = NULL WHERE sf_opportunity_id = ?",
                (sf_opportunity_id,),
            )

    def record_listing(self, listed: Sequence[tuple[str, str, str]]) -> None:
        """The invoices a review list showed, (opportunity id, number, fingerprint): approving
        from the command line signs these, replacing the previous list."""
        now = now_iso()
        with self.transaction():
            self._execute("DELETE FROM listed_invoices")
            for opportunity_id, ref_number, fingerprint in listed:
                self._execute(
                    "INSERT INTO listed_invoices (sf_opportunity_id, ref_number, fingerprint,"
                    " listed_at) VALUES (?, ?, ?, ?)",
                    (opportunity_id, ref_number, fingerprint, now),
                )

    def listed_invoices(self) -> dict[str, tuple[str, str]]:
        """Opportunity id -> (number, fingerprint) of the invoices the last review list showed."""
        rows = self._execute("SELECT * FROM listed_invoices").fetchall()
        return {r["sf_opportunity_id"]: (r["ref_number"], r["fingerprint"]) for r in rows}

    def approval(self, sf_opportunity_id: str) -> Approval | None:
        row = self._execute(
            "SELECT * FROM approvals WHERE sf_opportunity_id = ?", (sf_opportunity_id,)
        ).fetchone()
        return _approval(row) if row else None

    def approvals(self) -> dict[str, Approval]:
        rows = self._execute("SELECT * FROM approvals").fetchall()
        return {r["sf_opportunity_id"]: _approval(r) for r in rows}

    def reserved_ref_numbers(self) -> set[str]:
        """Invoice numbers held by approvals whose invoice QuickBooks has not confirmed yet."""
        rows = self._execute(
            "SELECT a.ref_number FROM approvals a LEFT JOIN outbox o"
            " ON o.sf_id = a.sf_opportunity_id AND o.state = ?"
            " WHERE a.lapsed_at IS NULL AND o.id IS NULL",
            (OutboxState.DONE.value,),
        ).fetchall()
        return {r[0] for r in rows}


def _approval(row: sqlite3.Row) -> Approval:
    return Approval(
        sf_opportunity_id=row["sf_opportunity_id"],
        fingerprint=row["fingerprint"],
        draft=json.loads(row["draft"]),
        ref_number=row["ref_number"],
        total=row["total"],
        approved_at=row["approved_at"],
        lapsed_at=row["lapsed_at"],
        lapse_reason=row["lapse_reason"],
        held_reason=row["held_reason"],
    )
