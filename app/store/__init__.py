"""Local state: one SQLite file with links, cursors, runs, run items, outbox, reviews, settings,
field changes, reconciliations and payment facts.

All SQL of the project lives in this package.
"""

from app.store.database import (
    DamagedSettingError,
    DatabaseBusyError,
    DatabaseError,
    DatabaseFullError,
    DatabaseUnreadableError,
)
from app.store.models import (
    Approval,
    Cursor,
    FieldChange,
    LedgerArchive,
    Link,
    OutboxEntry,
    OutboxState,
    PaymentFact,
    PaymentFlag,
    ReconciliationRow,
    Run,
    RunItem,
)
from app.store.opening import open_store
from app.store.store import Store

__all__ = [
    "Approval",
    "Cursor",
    "DamagedSettingError",
    "DatabaseBusyError",
    "DatabaseError",
    "DatabaseFullError",
    "DatabaseUnreadableError",
    "FieldChange",
    "LedgerArchive",
    "Link",
    "OutboxEntry",
    "OutboxState",
    "PaymentFact",
    "PaymentFlag",
    "ReconciliationRow",
    "Run",
    "RunItem",
    "Store",
    "open_store",
]
