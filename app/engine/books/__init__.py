"""The check of the books: do QuickBooks and Salesforce agree, to the cent?

`model` holds what a check found and its wording, `quickbooks_side` and `salesforce_side` read
each side, `compare` compares them, `saved` keeps checks in the store, `after_sync` checks after a
sync and `repair` records what a fix re-synced. The engine runs a check and a fix
(`SyncEngine.check_books`, `SyncEngine.repair`).

This package's own import stays light: double-entry, pre-flight and the reports take `money` and
`find_records` from it.
"""

from app.engine.books.amounts import money
from app.engine.books.lookup import find_records

__all__ = ["find_records", "money"]
