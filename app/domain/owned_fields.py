"""Deciding, field by field, what an update of a QuickBooks record Salesforce owns may send.

Each mapped row is one field group (a street fills several QuickBooks address lines). The app
remembers what it last wrote to each group; a group is sent only when QuickBooks still holds
that value (or the group was never written and QuickBooks has it empty). When QuickBooks holds
something else, someone edited it there: that is a conflict with both values, never an
overwrite. A name never written by the app is not changed either: a new name for a QuickBooks
customer waits for the bookkeeper. A group Salesforce left empty is no instruction at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from app.domain.fieldmap import FieldRule, FieldType
from app.domain.record_mapping import QUICKBOOKS_ADDRESS_LINES

#: The QuickBooks field holding a customer's name.
NAME_PATH = "name"


class ConflictKind(StrEnum):
    #: QuickBooks holds a value the app did not write since it last wrote this field.
    EDITED = "edited in QuickBooks"
    #: Linking would rename the QuickBooks customer: the bookkeeper chooses the name.
    NEW_NAME = "new name"


@dataclass(frozen=True)
class FieldGroup:
    """One mapped row as QuickBooks sees it: its label, the paths it fills, the Salesforce field."""

    label: str
    paths: tuple[str, ...]
    salesforce_field: str
    street: bool = False


@dataclass(frozen=True)
class FieldConflict:
    group: FieldGroup
    kind: ConflictKind
    quickbooks: dict[str, Any]
    salesforce: dict[str, Any]

    @property
    def quickbooks_text(self) -> str:
        return shown(self.group, self.quickbooks)

    @property
    def salesforce_text(self) -> str:
        return shown(self.group, self.salesforce)


@dataclass(frozen=True)
class UpdatePlan:
    #: path -> value to send to QuickBooks.
    changes: dict[str, Any] = field(default_factory=dict)
    conflicts: tuple[FieldConflict, ...] = ()
    #: path -> the value both sides now agree on, or that goes out with `changes`.
    written: dict[str, Any] = field(default_factory=dict)
    #: Groups whose two sides agree again (an open conflict about them is settled).
    agreed: tuple[str, ...] = ()


def field_groups(rules: Iterable[FieldRule]) -> tuple[FieldGroup, ...]:
    groups = []
    for rule in rules:
        target = rule.target
        street = rule.type is FieldType.STREET and target[-1:].isdigit()
        if street:
            prefix = target.rstrip("0123456789")
            first = int(target[len(prefix) :])
            paths = tuple(f"{prefix}{n}" for n in range(first, QUICKBOOKS_ADDRESS_LINES + 1))
        else:
            paths = (target,)
        groups.append(FieldGroup(rule.name, paths, rule.sources[0], street))
    return tuple(groups)


def plan_update(
    groups: Iterable[FieldGroup],
    desired: Mapping[str, Any],
    current: Mapping[str, Any],
    written: Mapping[str, Any] | None,
    open_conflicts: Iterable[str] = (),
) -> UpdatePlan:
    """What to send, given the mapped Salesforce values, QuickBooks' current values and the
    values last written (all flat: dotted path -> value); `open_conflicts` are group labels."""
    still_open = set(open_conflicts)
    before = written or {}
    changes: dict[str, Any] = {}
    now_written: dict[str, Any] = {}
    conflicts: list[FieldConflict] = []
    agreed: list[str] = []
    for group in groups:
        if not any(path in desired for path in group.paths):
            continue  # Salesforce left it empty: no instruction
        wanted = {p: desired.get(p, "") for p in group.paths}
        holds = {p: current.get(p) for p in group.paths}
        if same(wanted, holds):
            now_written.update(wanted)
            agreed.append(group.label)
            continue
        last = (
            {p: before[p] for p in group.paths} if all(p in before for p in group.paths) else None
        )
        if last is not None and _empty(last):
            last = None  # nothing was written there: the same as never written
        if group.label in still_open:
            kind = ConflictKind.NEW_NAME if last is None else ConflictKind.EDITED
            conflicts.append(FieldConflict(group, kind, holds, wanted))
        elif last is None and NAME_PATH in group.paths and not _empty(holds):
            conflicts.append(FieldConflict(group, ConflictKind.NEW_NAME, holds, wanted))
        elif last is None or same(last, holds):
            changes.update(wanted)
            now_written.update(wanted)
        else:
            conflicts.append(FieldConflict(group, ConflictKind.EDITED, holds, wanted))
    return UpdatePlan(changes, tuple(conflicts), now_written, tuple(agreed))


def edits_in_quickbooks(
    groups: Iterable[FieldGroup], current: Mapping[str, Any], written: Mapping[str, Any]
) -> tuple[FieldConflict, ...]:
    """Groups QuickBooks now holds differently from what the app last wrote (Salesforce's value
    is then the one last written); a group last written empty claims nothing."""
    found = []
    for group in groups:
        if not all(p in written for p in group.paths):
            continue
        last = {p: written[p] for p in group.paths}
        holds = {p: current.get(p) for p in group.paths}
        if not _empty(last) and not same(last, holds):
            found.append(FieldConflict(group, ConflictKind.EDITED, holds, last))
    return tuple(found)


def same(one: Mapping[str, Any], two: Mapping[str, Any]) -> bool:
    return one.keys() == two.keys() and all(_plain(one[k]) == _plain(two[k]) for k in one)


def shown(group: FieldGroup, values: Mapping[str, Any]) -> str:
    """A group's values as one text: a street's lines joined by new lines."""
    parts = [_plain(values.get(p)) for p in group.paths]
    return "\n".join(p for p in parts if p) if group.street else (parts[0] if parts else "")


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for path, value in flat.items():
        *parents, leaf = path.split(".")
        target = nested
        for step in parents:
            target = target.setdefault(step, {})
        target[leaf] = value
    return nested


def read_flat(record: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """The values at `paths` of a nested record (None where a step is missing)."""
    out = {}
    for path in paths:
        value: Any = record
        for step in path.split("."):
            value = value.get(step) if isinstance(value, Mapping) else None
        out[path] = value
    return out


def _empty(values: Mapping[str, Any]) -> bool:
    return not any(_plain(v) for v in values.values())


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        return format(Decimal(str(value)).normalize(), "f")
    return str(value).strip()
