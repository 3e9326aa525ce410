"""Salesforce record ids, and the QuickBooks `externalId` derived from them.

A record created in QuickBooks from a Salesforce record carries `externalId` = uuid5 of the
Salesforce id (always its 18-character form) in a fixed namespace. The same Salesforce record
therefore always yields the same externalId, run after run and machine after machine, which is
what lets an interrupted create be recognised instead of sent twice. The namespace must never
change.
"""

from __future__ import annotations

import re
import uuid

EXTERNAL_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:qbsf:salesforce-record")

_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def is_salesforce_id(value: object) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def salesforce_id_18(salesforce_id: str) -> str:
    """The case-insensitive 18-character form of a 15- or 18-character Salesforce id."""
    if not is_salesforce_id(salesforce_id):
        raise ValueError(f"not a Salesforce id: {salesforce_id!r}")
    base = salesforce_id[:15]
    suffix = ""
    for start in range(0, 15, 5):
        chunk = base[start : start + 5]
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += _SUFFIX_ALPHABET[bits]
    return base + suffix


def external_id_for(salesforce_id: str) -> str:
    """The deterministic QuickBooks `externalId` (a GUID) for a Salesforce record."""
    return str(uuid.uuid5(EXTERNAL_ID_NAMESPACE, salesforce_id_18(salesforce_id)))
