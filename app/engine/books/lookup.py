"""QuickBooks records fetched by id, whatever list (service items, non-inventory items...) they
are on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from app.quickbooks import QuickBooks


def find_records(
    quickbooks: QuickBooks, kinds: Sequence[str], ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """QuickBooks records by id, of any of `kinds`; ids QuickBooks does not have are left out."""
    return {
        record_id: record
        for found in records_by_kind(quickbooks, kinds, ids).values()
        for record_id, record in found.items()
    }


def records_by_kind(
    quickbooks: QuickBooks,
    kinds: Sequence[str],
    ids: Iterable[str],
    known: Mapping[str, str] | None = None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """The records of `ids` by the list they are on, then by id; ids QuickBooks no longer has
    are left out.

    `known` names the list each id was read from before: each such group is asked of its own
    list, in one call. Ids of no known list are asked of each list in turn, those not found yet.
    """
    wanted = sorted(set(ids))
    groups: dict[str, list[str]] = {}
    unplaced: list[str] = []
    for record_id in wanted:
        kind = (known or {}).get(record_id)
        if kind is not None and kind in kinds:
            groups.setdefault(kind, []).append(record_id)
        else:
            unplaced.append(record_id)
    found: dict[str, dict[str, dict[str, Any]]] = {
        kind: quickbooks.find_by_ids(kind, group) for kind, group in groups.items()
    }
    for kind in kinds:
        if not unplaced:
            break
        more = quickbooks.find_by_ids(kind, unplaced)
        if more:
            found.setdefault(kind, {}).update(more)
            unplaced = [i for i in unplaced if i not in more]
    return {kind: records for kind, records in found.items() if records}
