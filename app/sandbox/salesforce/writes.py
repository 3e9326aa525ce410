"""Record writes with the org's rules: types, lengths, required, unique, lookups, validation rules.

Every API that writes (REST, Collections, Composite, Bulk 2.0) goes through `Writer`; each one only
decides how a `RecordError` is reported. Callers hold a store transaction around the writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from app.sandbox.salesforce import derived, ids, values
from app.sandbox.salesforce.default_org import CURRENT_USER
from app.sandbox.salesforce.duplicate_rules import NO_OPTIONS, AccountDuplicateRule, SaveOptions
from app.sandbox.salesforce.errors import ApiError, RecordError
from app.sandbox.salesforce.org import Org
from app.sandbox.salesforce.schema import FieldDef, ObjectDef

#: Says whether any of the given record ids is locked by another transaction.
RowLock = Callable[[Iterable[str]], bool]


def no_lock(record_ids: Iterable[str]) -> bool:
    return False


class MultipleMatches(Exception):  # noqa: N818 - Salesforce's 300 Multiple Choices
    def __init__(self, record_ids: list[str]) -> None:
        super().__init__(f"{len(record_ids)} records match")
        self.ids = record_ids


class Writer:
    def __init__(self, org: Org) -> None:
        self.org = org
        self.schema = org.schema
        self.store = org.store
        self.duplicate_rule = AccountDuplicateRule(org)

    # -- finding records -------------------------------------------------------------------------
    def existing(self, obj: ObjectDef, raw_id: Any, field_name: str = "Id") -> dict[str, Any]:
        """The live record `raw_id`; MALFORMED_ID, NOT_FOUND or ENTITY_IS_DELETED if not."""
        record_id = ids.normalise(raw_id) if isinstance(raw_id, str) else None
        if record_id is None or ids.prefix_of(record_id) != obj.key_prefix:
            raise RecordError(
                "MALFORMED_ID",
                f"{obj.label} ID: id value of incorrect type: {raw_id}",
                [field_name],
            )
        row = self.store.get(obj, record_id)
        if row is None:
            raise RecordError("NOT_FOUND", "The requested resource does not exist")
        if row["IsDeleted"]:
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted", [])
        return row

    def upsert_field(self, obj: ObjectDef, name: str) -> FieldDef:
        """The field an upsert matches on: an External ID field or Id."""
        f = self.schema.field(obj, name)
        if f is None or not f.upsert_key:
            raise ApiError(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {name}",
            )
        return f

    def matches(self, obj: ObjectDef, f: FieldDef, value: Any) -> list[str]:
        if f.name == "Id":
            record_id = ids.normalise(value) if isinstance(value, str) else None
            if record_id is None or ids.prefix_of(record_id) != obj.key_prefix:
                return []
            row = self.store.get(obj, record_id)
            return [record_id] if row and not row["IsDeleted"] else []
        return self.store.find(
            obj, f, values.to_storage(f, value), ignore_case=f.matches_ignoring_case
        )

    # -- writing ---------------------------------------------------------------------------------
    def create(
        self,
        obj: ObjectDef,
        body: dict[str, Any],
        lock: RowLock = no_lock,
        options: SaveOptions = NO_OPTIONS,
    ) -> str:
        if not obj.createable:
            raise RecordError(
                "INSUFFICIENT_ACCESS_OR_READONLY", f"You can't create records of type {obj.name}"
            )
        changes, parents = self._prepare(obj, body, creating=True)
        if lock(parents):
            raise _lock_error(parents)
        system = self.org.new_record(obj)
        record_id = system["Id"]
        record = self._defaults(obj) | changes
        missing = [
            f.name for f in self.schema.fields(obj) if f.required and record.get(f.name) is None
        ]
        if missing:
            raise RecordError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )
        record.update(derived.before_write(self.org, obj, record))
        self._check(obj, record, changes, record_id)
        self.duplicate_rule.check_create(obj, record, options)
        record.update(system)
        self.store.insert(obj, record)
        derived.after_write(self.org, obj, record)
        return record_id

    def update(
        self, obj: ObjectDef, record_id: str, body: dict[str, Any], lock: RowLock = no_lock
    ) -> None:
        current = self.existing(obj, record_id)
        record_id = current["Id"]
        if not obj.updateable:
            raise RecordError(
                "INSUFFICIENT_ACCESS_OR_READONLY", f"You can't update records of type {obj.name}"
            )
        changes, parents = self._prepare(obj, body, creating=False)
        if lock([record_id, *parents]):
            raise _lock_error([record_id, *parents])
        cleared = [
            name
            for name, value in changes.items()
            if value is None and (f := obj.get(name)) is not None and not f.nillable
        ]
        if cleared:
            raise RecordError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(cleared)}]",
                cleared,
            )
        record = current | changes
        computed = derived.before_write(self.org, obj, record)
        record.update(computed)
        self._check(obj, record, changes, record_id)
        stamp = self.org.stamp()
        system = {
            "LastModifiedDate": stamp,
            "LastModifiedById": self.org.user_id,
            "SystemModstamp": stamp,
        }
        self.store.update(obj, record_id, changes | computed | system)
        derived.after_write(self.org, obj, record | system)

    def upsert(
        self,
        obj: ObjectDef,
        f: FieldDef,
        value: Any,
        body: dict[str, Any],
        lock: RowLock = no_lock,
        options: SaveOptions = NO_OPTIONS,
    ) -> tuple[str, bool]:
        """Update the one record whose `f` is `value`, or create it; returns (id, created)."""
        found = self.matches(obj, f, value)
        if len(found) > 1:
            raise MultipleMatches(found)
        rest = {k: v for k, v in body.items() if k.lower() != f.name.lower()}
        if found:
            self.update(obj, found[0], rest, lock)
            return found[0], False
        if f.name != "Id":
            rest[f.name] = value
        return self.create(obj, rest, lock, options), True

    def delete(
        self, obj: ObjectDef, record_id: str, lock: RowLock = no_lock, *, hard: bool = False
    ) -> None:
        """Move the record to the recycle bin (IsDeleted), or with `hard` remove it for good."""
        current = self.existing(obj, record_id)
        if not obj.deletable:
            raise RecordError(
                "INSUFFICIENT_ACCESS_OR_READONLY", f"You can't delete records of type {obj.name}"
            )
        if lock([current["Id"]]):
            raise _lock_error([current["Id"]])
        self._delete(obj, current)
        if hard:
            self.store.remove(obj, current["Id"])

    # -- helpers ---------------------------------------------------------------------------------
    def _delete(self, obj: ObjectDef, record: dict[str, Any]) -> None:
        for child in self.schema.all_objects():
            for lookup in child.fields.values():
                if lookup.type != "reference" or obj.name not in lookup.reference_to:
                    continue
                for child_id in self.store.find(child, lookup, record["Id"]):
                    row = self.store.get(child, child_id)
                    if lookup.cascade_delete and row is not None:
                        self._delete(child, row)
                    else:
                        self.store.update(child, child_id, {lookup.name: None})
        stamp = self.org.stamp()
        self.store.update(
            obj,
            record["Id"],
            {"IsDeleted": 1, "SystemModstamp": stamp, "LastModifiedDate": stamp},
        )
        derived.after_write(self.org, obj, record)

    def _defaults(self, obj: ObjectDef) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in obj.fields.values():
            if f.default == CURRENT_USER:
                out[f.name] = self.org.user_id
            elif f.default is not None:
                out[f.name] = values.to_storage(f, f.default)
        return out

    def _prepare(
        self, obj: ObjectDef, body: dict[str, Any], *, creating: bool
    ) -> tuple[dict[str, Any], list[str]]:
        """Body -> stored values by field name, and the parent ids it points at."""
        changes: dict[str, Any] = {}
        parents: list[str] = []
        for key, value in body.items():
            if key == "attributes":
                continue
            f = self.schema.field(obj, key)
            if f is None:
                lookup = self.schema.relationship(obj, key)
                if lookup is None or not isinstance(value, dict):
                    raise RecordError(
                        "INVALID_FIELD",
                        f"No such column '{key}' on sobject of type {obj.name}",
                        [key],
                    )
                f, value = lookup, self._parent_by_external_id(lookup, value)
            allowed = f.createable if creating else f.updateable
            if not allowed:
                raise RecordError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {f.name}. Please check the security settings "
                    "of this field and verify that it is read/write for your profile or permission "
                    "set.",
                    [f.name],
                )
            stored = values.to_storage(f, value)
            if f.type == "reference" and stored is not None:
                self._check_parent(f, stored)
                parents.append(stored)
            changes[f.name] = stored
        return changes, parents

    def _parent_by_external_id(self, lookup: FieldDef, ref: dict[str, Any]) -> str:
        parent = self.schema.parent(lookup)
        keys = [k for k in ref if k != "attributes"]
        if parent is None or len(keys) != 1:
            raise RecordError(
                "INVALID_FIELD",
                f"More than 1 field provided in an external foreign key reference in entity: "
                f"{lookup.reference_to[0] if lookup.reference_to else lookup.name}",
                [],
            )
        ext = self.schema.field(parent, keys[0])
        if ext is None or not ext.upsert_key:
            raise RecordError(
                "INVALID_FIELD",
                f"Field name provided, {keys[0]} is not an External ID or indexed field for "
                f"{parent.name}",
                [],
            )
        value = ref[keys[0]]
        found = self.matches(parent, ext, value)
        if not found:
            raise RecordError(
                "INVALID_FIELD",
                f"Foreign key external ID: {value} not found for field {ext.name} in entity "
                f"{parent.name}",
                [],
            )
        if len(found) > 1:
            raise RecordError(
                "INVALID_FIELD",
                f"Foreign key external ID: {value} matches more than one record for field "
                f"{ext.name} in entity {parent.name}",
                [],
            )
        return found[0]

    def _check_parent(self, lookup: FieldDef, parent_id: str) -> None:
        parent = self.schema.by_prefix(ids.prefix_of(parent_id))
        if parent is None or parent.name not in lookup.reference_to:
            target = lookup.reference_to[0] if lookup.reference_to else "Record"
            raise RecordError(
                "FIELD_INTEGRITY_EXCEPTION",
                f"{target} ID: id value of incorrect type: {parent_id}",
                [lookup.name],
            )
        row = self.store.get(parent, parent_id)
        if row is None or row["IsDeleted"]:
            raise RecordError(
                "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [lookup.name]
            )

    def _check(
        self, obj: ObjectDef, record: dict[str, Any], changes: dict[str, Any], record_id: str
    ) -> None:
        for rule in self.schema.rules_for(obj):
            f = self.schema.field(obj, rule.field)
            if f is not None and rule.violated(values.to_json(f, record.get(f.name))):
                raise RecordError("FIELD_CUSTOM_VALIDATION_EXCEPTION", rule.message, [f.name])
        for name, value in changes.items():
            f = obj.get(name)
            if f is None or not f.unique or value is None:
                continue
            others = [other for other in self.store.find(obj, f, value) if other != record_id]
            if others:
                raise RecordError(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {f.name} duplicates value on record with id: "
                    f"{others[0]}",
                    [],
                )


def _lock_error(record_ids: list[str]) -> RecordError:
    target = record_ids[0] if record_ids else ""
    return RecordError(
        "UNABLE_TO_LOCK_ROW",
        f"unable to obtain exclusive access to this record or 1 records: {target}".strip(),
        [],
    )
