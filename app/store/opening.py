"""Opening the store: the migrated database file, with the queries over it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from app.store.database import open_connection
from app.store.migrations import MIGRATIONS, Migration
from app.store.store import Store


def open_store(path: Path, migrations: Sequence[Migration] = MIGRATIONS) -> Store:
    """Open (creating if needed) and migrate the database at `path`."""
    return Store(open_connection(path, migrations), path)
