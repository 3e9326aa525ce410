"""The store's queries for possible duplicate payments and for ledgers set aside when the
connected pair (Salesforce org, Conductor end user) changed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from app.store.database import now_iso
from app.store.models import LedgerArchive, PaymentFlag
from app.store.query_mixin import StoreQueries

#: The ledger's columns kept by an archive (named, so a later column cannot shift them).
_LINK_COLUMNS = (
    "workflow, qb_id, sf_id, content_hash, qb_revision, sf_modstamp, created_at, updated_at, "
    "content"
)
_CURSOR_COLUMNS = "workflow, source, value, updated_at"


class LedgerQueries(StoreQueries):
    """Mixed into `Store`, which provides the connection helpers."""

    # -- possible duplicate payments ----------------------------------------------------------
    def flag_payments(self, flags: Iterable[PaymentFlag]) -> None:
        """Flags each payment once: a payment already flagged (or dismissed) keeps its flag."""
        now = now_iso()
        self._write_many(
            "INSERT INTO payment_flags (qb_id, first_qb_id, customer, ref, amount_cents,"
            " transaction_date, message, run_id, flagged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (qb_id) DO NOTHING",
            (
                (
                    f.qb_id,
                    f.first_qb_id,
                    f.customer,
                    f.ref,
                    f.amount_cents,
                    f.transaction_date,
                    f.message,
                    f.run_id,
                    now,
                )
                for f in flags
            ),
        )

    def payment_flags(self, *, open_only: bool = True) -> list[PaymentFlag]:
        where = " WHERE dismissed_at IS NULL" if open_only else ""
        rows = self._execute(
            f"SELECT * FROM payment_flags{where} ORDER BY transaction_date, qb_id"  # noqa: S608
        ).fetchall()
        return [_flag(r) for r in rows]

    def flagged_payment_ids(self, qb_ids: Sequence[str]) -> set[str]:
        """Those of `qb_ids` flagged before, dismissed or not."""
        found: set[str] = set()
        for start in range(0, len(qb_ids), 500):
            chunk = list(qb_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._execute(
                f"SELECT qb_id FROM payment_flags WHERE qb_id IN ({marks})",  # noqa: S608
                chunk,
            ).fetchall()
            found.update(str(r[0]) for r in rows)
        return found

    def dismiss_payment_flag(self, qb_id: str, by: str) -> bool:
        """The bookkeeper says the payment is correct; False when it has no open flag."""
        cur = self._write(
            "UPDATE payment_flags SET dismissed_at = ?, dismissed_by = ?"
            " WHERE qb_id = ? AND dismissed_at IS NULL",
            (now_iso(), by, qb_id),
        )
        return cur.rowcount > 0

    # -- the pair the ledger belongs to -------------------------------------------------------
    def archive_ledger(self, reason: str, org_id: str, end_user_id: str) -> LedgerArchive:
        """Moves links, cursors and what the double-entry guard knows into a kept archive, in
        one transaction: the next sync starts from nothing and writes everything."""
        now = now_iso()
        with self.transaction():
            archive_id = int(
                self._execute(
                    "INSERT INTO ledger_archives (archived_at, reason, salesforce_org_id,"
                    " conductor_end_user_id) VALUES (?, ?, ?, ?)",
                    (now, reason, org_id, end_user_id),
                ).lastrowid
                or 0
            )
            links = self._execute(
                f"INSERT INTO archived_links (archive_id, {_LINK_COLUMNS})"  # noqa: S608
                f" SELECT ?, {_LINK_COLUMNS} FROM links",
                (archive_id,),
            ).rowcount
            self._execute(
                f"INSERT INTO archived_cursors (archive_id, {_CURSOR_COLUMNS})"  # noqa: S608
                f" SELECT ?, {_CURSOR_COLUMNS} FROM cursors",
                (archive_id,),
            )
            for table in ("links", "cursors", "payment_facts", "payment_flags"):
                self._execute(f"DELETE FROM {table}")  # noqa: S608
        return LedgerArchive(archive_id, now, reason, org_id, end_user_id, int(links))

    def ledger_archives(self) -> list[LedgerArchive]:
        rows = self._execute(
            "SELECT a.*, (SELECT count(*) FROM archived_links l WHERE l.archive_id = a.id) n"
            " FROM ledger_archives a ORDER BY a.id"
        ).fetchall()
        return [
            LedgerArchive(
                int(r["id"]),
                r["archived_at"],
                r["reason"],
                r["salesforce_org_id"],
                r["conductor_end_user_id"],
                int(r["n"]),
            )
            for r in rows
        ]


def _flag(row: sqlite3.Row) -> PaymentFlag:
    return PaymentFlag(
        qb_id=row["qb_id"],
        first_qb_id=row["first_qb_id"],
        customer=row["customer"],
        ref=row["ref"],
        amount_cents=int(row["amount_cents"]),
        transaction_date=row["transaction_date"],
        message=row["message"],
        run_id=row["run_id"],
        flagged_at=row["flagged_at"],
        dismissed_at=row["dismissed_at"],
        dismissed_by=row["dismissed_by"],
    )
