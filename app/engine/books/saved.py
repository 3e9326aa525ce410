"""Checks of the books kept in the store: the one after each sync, and the latest."""

from __future__ import annotations

from app.engine.books.model import Reconciliation
from app.platform.user import os_user
from app.store import Store


def save(store: Store, reconciliation: Reconciliation, *, run_id: int | None, trigger: str) -> None:
    reconciliation.run_id = run_id
    reconciliation.id = store.add_reconciliation(
        run_id, trigger, os_user(), clean=reconciliation.clean, body=reconciliation.to_json()
    )


def latest(store: Store) -> Reconciliation | None:
    row = store.last_reconciliation()
    return Reconciliation.from_row(row) if row else None


def for_run(store: Store, run_id: int) -> Reconciliation | None:
    row = store.reconciliation_for_run(run_id)
    return Reconciliation.from_row(row) if row else None
