"""Values QuickBooks sends that cannot be read or stored: each is one record's problem, reported
on it with the field and the value, and the run goes on."""

from __future__ import annotations

from typing import Any

from app.domain.outcomes import Outcome
from app.engine.context import parse_stamp
from app.engine.recorder import ItemOutcome

#: The code of a record with a value that cannot be read or stored.
ODD_VALUE = "ODD_VALUE"
#: Outside what SQLite's INTEGER keeps (amounts are kept in cents).
_SQLITE_INT = 2**63


def is_stamp(value: Any) -> bool:
    try:
        parse_stamp(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True


def stamp_readable(record: dict[str, Any]) -> dict[str, Any]:
    """The record as mapped: an `updatedAt` that is not a timestamp is reported by the cursor's
    reader (field and value) and left out of the mirror, so it never holds the record back."""
    return record if is_stamp(record.get("updatedAt")) else {**record, "updatedAt": None}


def too_large(value: Any) -> bool:
    """A number SQLite cannot store (the ledger keeps what was written)."""
    if isinstance(value, dict):
        return any(too_large(v) for v in value.values())
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _SQLITE_INT


def odd_stamp(workflow: str, label: str, record: dict[str, Any], kind: str) -> ItemOutcome:
    """A warning: the record was read, but its `updatedAt` cannot move a cursor."""
    message = (
        f"QuickBooks sent updatedAt = {record.get('updatedAt')!r}, which is not a timestamp; the "
        "record was read, but a later change to it may be noticed only by a full sync."
    )
    return ItemOutcome(
        workflow=workflow,
        record_key=label,
        outcome=Outcome.WARNING,
        qb_id=str(record.get("id")),
        code=ODD_VALUE,
        message=message,
        resource=kind,
    )


def odd_record(workflow: str, label: str, record: dict[str, Any], exc: Exception) -> ItemOutcome:
    """A failure: a value of the record cannot be read or stored, so it is not synced."""
    return ItemOutcome(
        workflow=workflow,
        record_key=label,
        outcome=Outcome.FAILED,
        qb_id=str(record.get("id")),
        code=ODD_VALUE,
        message=f"This record has a value that cannot be read or stored ({exc}); not synced.",
    )
