"""Local state: one SQLite file with links, cursors, runs, run items, outbox, reviews and settings.

All SQL of the project lives in this package.
"""

from app.store.database import DatabaseError, DatabaseUnreadableError, open_store
from app.store.models import Cursor, Link, OutboxEntry, OutboxState, Run, RunItem
from app.store.store import Store

__all__ = [
    "Cursor",
    "DatabaseError",
    "DatabaseUnreadableError",
    "Link",
    "OutboxEntry",
    "OutboxState",
    "Run",
    "RunItem",
    "Store",
    "open_store",
]
