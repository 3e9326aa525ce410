"""Ordered schema migrations. Append new ones; never edit one that has shipped."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "settings, links, cursors, runs, run items, outbox",
        (
            """CREATE TABLE settings (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            )""",
            """CREATE TABLE links (
                workflow TEXT NOT NULL,
                qb_id TEXT NOT NULL,
                sf_id TEXT,
                content_hash TEXT,
                qb_revision TEXT,
                sf_modstamp TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (workflow, qb_id)
            )""",
            "CREATE UNIQUE INDEX links_sf ON links (workflow, sf_id) WHERE sf_id IS NOT NULL",
            """CREATE TABLE cursors (
                workflow TEXT NOT NULL,
                source TEXT NOT NULL,
                value TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (workflow, source)
            )""",
            """CREATE TABLE runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                started_at TEXT NOT NULL,
                finished_at TEXT,
                trigger TEXT NOT NULL,
                os_user TEXT NOT NULL,
                status TEXT NOT NULL,
                dry_run INTEGER NOT NULL DEFAULT 0,
                summary TEXT NOT NULL DEFAULT '{}',
                message TEXT
            )""",
            """CREATE TABLE run_items (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                workflow TEXT NOT NULL,
                record_key TEXT NOT NULL,
                qb_id TEXT,
                sf_id TEXT,
                outcome TEXT NOT NULL,
                code TEXT,
                message TEXT,
                details TEXT,
                created_at TEXT NOT NULL
            )""",
            "CREATE INDEX run_items_run ON run_items (run_id, outcome)",
            """CREATE TABLE outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                workflow TEXT NOT NULL,
                sf_id TEXT NOT NULL,
                external_id TEXT NOT NULL UNIQUE,
                operation TEXT NOT NULL,
                payload TEXT NOT NULL,
                state TEXT NOT NULL,
                qb_id TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )""",
            "CREATE INDEX outbox_state ON outbox (state)",
        ),
    ),
    Migration(
        2,
        "review decisions for opportunities waiting to become invoices",
        (
            """CREATE TABLE review_decisions (
                sf_opportunity_id TEXT PRIMARY KEY,
                decision TEXT NOT NULL CHECK (decision IN ('approved', 'skipped')),
                decided_at TEXT NOT NULL
            )""",
        ),
    ),
    Migration(
        3,
        "trust of the books: written values, field changes, reconciliations, payment facts",
        (
            # The values last written for a link, so the next write can show before -> after.
            "ALTER TABLE links ADD COLUMN content TEXT",
            """CREATE TABLE field_changes (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                workflow TEXT NOT NULL,
                qb_id TEXT NOT NULL,
                field TEXT NOT NULL,
                before TEXT,
                after TEXT
            )""",
            "CREATE INDEX field_changes_run ON field_changes (run_id, workflow, qb_id)",
            """CREATE TABLE reconciliations (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
                created_at TEXT NOT NULL,
                trigger TEXT NOT NULL,
                os_user TEXT NOT NULL,
                clean INTEGER NOT NULL,
                body TEXT NOT NULL
            )""",
            "CREATE INDEX reconciliations_run ON reconciliations (run_id)",
            """CREATE TABLE payment_facts (
                qb_id TEXT PRIMARY KEY,
                customer_id TEXT NOT NULL,
                amount_cents INTEGER NOT NULL,
                transaction_date TEXT NOT NULL,
                ref_number TEXT,
                entered_at TEXT NOT NULL
            )""",
            "CREATE INDEX payment_facts_match ON payment_facts"
            " (customer_id, amount_cents, transaction_date)",
        ),
    ),
    Migration(
        4,
        "the QuickBooks list each run item was read from, so a retry asks that list",
        ("ALTER TABLE run_items ADD COLUMN resource TEXT",),
    ),
    Migration(
        5,
        "possible duplicate payments, and earlier ledgers kept when the connected pair changed",
        (
            """CREATE TABLE payment_flags (
                qb_id TEXT PRIMARY KEY,
                first_qb_id TEXT NOT NULL,
                customer TEXT NOT NULL,
                ref TEXT NOT NULL,
                amount_cents INTEGER NOT NULL,
                transaction_date TEXT NOT NULL,
                message TEXT NOT NULL,
                run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
                flagged_at TEXT NOT NULL,
                dismissed_at TEXT,
                dismissed_by TEXT
            )""",
            """CREATE TABLE ledger_archives (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                archived_at TEXT NOT NULL,
                reason TEXT NOT NULL,
                salesforce_org_id TEXT NOT NULL,
                conductor_end_user_id TEXT NOT NULL
            )""",
            """CREATE TABLE archived_links (
                archive_id INTEGER NOT NULL REFERENCES ledger_archives (id) ON DELETE CASCADE,
                workflow TEXT NOT NULL,
                qb_id TEXT NOT NULL,
                sf_id TEXT,
                content_hash TEXT,
                qb_revision TEXT,
                sf_modstamp TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                content TEXT
            )""",
            """CREATE TABLE archived_cursors (
                archive_id INTEGER NOT NULL REFERENCES ledger_archives (id) ON DELETE CASCADE,
                workflow TEXT NOT NULL,
                source TEXT NOT NULL,
                value TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )""",
        ),
    ),
    Migration(
        6,
        "approvals: the exact invoice each approval signed, and approvals that lapsed",
        (
            """CREATE TABLE approvals (
                sf_opportunity_id TEXT PRIMARY KEY,
                fingerprint TEXT NOT NULL,
                draft TEXT NOT NULL,
                ref_number TEXT NOT NULL,
                total TEXT NOT NULL,
                approved_at TEXT NOT NULL,
                lapsed_at TEXT,
                lapse_reason TEXT
            )""",
            "CREATE INDEX approvals_ref ON approvals (ref_number)",
        ),
    ),
    Migration(
        7,
        "matches to confirm, and fields QuickBooks and Salesforce hold differently",
        (
            """CREATE TABLE match_proposals (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                account_id TEXT NOT NULL,
                customer_id TEXT NOT NULL,
                basis TEXT NOT NULL,
                account_name TEXT NOT NULL,
                customer_name TEXT NOT NULL,
                reason TEXT NOT NULL,
                proposed_at TEXT NOT NULL,
                decision TEXT CHECK (decision IN ('confirmed', 'rejected', 'superseded')),
                decided_at TEXT,
                decided_by TEXT,
                UNIQUE (account_id, customer_id)
            )""",
            """CREATE TABLE field_conflicts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                workflow TEXT NOT NULL,
                qb_id TEXT NOT NULL,
                sf_id TEXT NOT NULL,
                record TEXT NOT NULL,
                field TEXT NOT NULL,
                kind TEXT NOT NULL,
                quickbooks TEXT NOT NULL,
                salesforce TEXT NOT NULL,
                found_at TEXT NOT NULL,
                kept TEXT CHECK (kept IN ('quickbooks', 'salesforce', 'agreed')),
                resolved_at TEXT,
                resolved_by TEXT
            )""",
            "CREATE UNIQUE INDEX field_conflicts_open ON field_conflicts (workflow, qb_id, field)"
            " WHERE resolved_at IS NULL",
        ),
    ),
    Migration(
        8,
        "approvals held when QuickBooks saved another invoice; the invoices a review list showed",
        (
            "ALTER TABLE approvals ADD COLUMN held_reason TEXT",
            """CREATE TABLE listed_invoices (
                sf_opportunity_id TEXT PRIMARY KEY,
                ref_number TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                listed_at TEXT NOT NULL
            )""",
        ),
    ),
    Migration(
        9,
        "run items found by record and by outcome: the records still failing, without reading "
        "every item of a 100,000-record backfill at each sync",
        (
            "CREATE INDEX run_items_record ON run_items"
            " (workflow, coalesce(qb_id, sf_id, record_key), id)",
            "CREATE INDEX run_items_outcome ON run_items (workflow, outcome)",
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version
