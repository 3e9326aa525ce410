"""QuickBooks Desktop through Conductor (conductor-py): health, paged reads, writes, errors."""

from app.quickbooks.client import QuickBooks, QuickBooksConfig
from app.quickbooks.errors import QuickBooksError

__all__ = ["QuickBooks", "QuickBooksConfig", "QuickBooksError"]
