"""The form of a QuickBooks id this app accepts, wherever one comes from.

QuickBooks gives list and transaction ids such as 80000001-1234567890 or 1A3-1234567890. An id
of another form is never used: not in a URL (the SDK puts it in the path unescaped) and not
written to Salesforce, where every later sync would meet it again.
"""

from __future__ import annotations

import re

_RECORD_ID = re.compile(r"[0-9A-Za-z]{1,32}(?:-[0-9A-Za-z]{1,32}){0,3}")


def is_quickbooks_id(value: object) -> bool:
    return isinstance(value, str) and _RECORD_ID.fullmatch(value) is not None


def not_a_quickbooks_id(value: object) -> str:
    """The plain sentence for an id of the wrong form, shown cut to 40 characters."""
    return (
        f"QuickBooks gave this record the id {str(value)[:40]!r}, which is not in the form "
        "QuickBooks ids take, so it was not stored in Salesforce. Check the record in "
        "QuickBooks; the rest of the sync went on."
    )
