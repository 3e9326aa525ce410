"""The org's schema as data: objects, fields and validation rules, plus what is switched off.

Storage always keeps every object and field of the full schema; `missing` only hides them from the
API (describe, queries, writes), so an org can lose or regain a field at run time.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

TEXT_TYPES = frozenset(
    {"id", "string", "textarea", "email", "phone", "url", "picklist", "reference"}
)
#: The record's currency, present only in an org with multiple currencies.
CURRENCY_ISO_CODE = "CurrencyIsoCode"
#: Objects an org has only once multiple currencies are enabled.
MULTI_CURRENCY_OBJECTS = frozenset({"currencytype"})
NUMBER_TYPES = frozenset({"currency", "double", "percent", "int"})
SQL_TYPES = {
    **dict.fromkeys(TEXT_TYPES, "TEXT"),
    "date": "TEXT",
    "datetime": "TEXT",
    "boolean": "INTEGER",
    "int": "INTEGER",
    "currency": "REAL",
    "double": "REAL",
    "percent": "REAL",
}


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    label: str = ""
    length: int = 0
    precision: int = 0
    scale: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    unique: bool = False
    external_id: bool = False
    case_sensitive: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    #: The parent's name for the list of children this lookup makes (describe childRelationships).
    child_relationship: str | None = None
    cascade_delete: bool = False
    default: Any = None
    calculated: bool = False
    auto_number: str | None = None
    picklist: tuple[str, ...] = ()
    name_field: bool = False

    def __post_init__(self) -> None:
        if self.type not in SQL_TYPES:
            raise ValueError(f"unknown field type {self.type!r} for {self.name}")

    @property
    def custom(self) -> bool:
        return self.name.endswith("__c")

    @property
    def required(self) -> bool:
        """Must be given on create: not nillable, settable, and nothing fills it in."""
        return (
            not self.nillable
            and self.createable
            and self.default is None
            and self.type != "boolean"
            and not self.auto_number
        )

    @property
    def is_text(self) -> bool:
        return self.type in TEXT_TYPES

    @property
    def upsert_key(self) -> bool:
        """An upsert or a parent reference can match records on it: External ID fields and Id."""
        return self.external_id or self.name == "Id"

    @property
    def ignores_case(self) -> bool:
        """Compared case-insensitively, as Salesforce compares text (ids are case-sensitive)."""
        return self.is_text and not self.case_sensitive and self.type not in {"id", "reference"}

    @property
    def matches_ignoring_case(self) -> bool:
        """An upsert or external-id reference matches it case-insensitively only when the field is
        Unique and case-insensitive: Apex Developer Guide, "Upserting Records",
        https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/langCon_apex_dml_examples_upsert.htm
        """
        return self.ignores_case and self.unique

    def match_key(self, value: str) -> str:
        """The form of an external id value two records are compared in."""
        return value.casefold() if self.matches_ignoring_case else value

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    @property
    def groupable(self) -> bool:
        return self.type not in {"textarea", "currency", "double", "percent", "datetime"}


@dataclass
class ObjectDef:
    name: str
    key_prefix: str
    label: str
    label_plural: str
    fields: dict[str, FieldDef] = field(default_factory=dict)  # keyed by lower-case name
    createable: bool = True
    updateable: bool = True
    deletable: bool = True

    @property
    def custom(self) -> bool:
        return self.name.endswith("__c")

    def get(self, name: str) -> FieldDef | None:
        return self.fields.get(name.lower())


@dataclass(frozen=True)
class ValidationRule:
    """An error condition: the record is rejected when `field op value` holds after the write."""

    object: str
    field: str
    op: str
    value: Any
    message: str
    name: str = ""

    OPS = ("<", "<=", ">", ">=", "=", "!=")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ValidationRule:
        missing = [key for key in ("object", "field", "op", "message") if key not in data]
        if missing:
            raise ValueError(f"a validation rule needs {', '.join(missing)}")
        if data["op"] not in cls.OPS:
            raise ValueError(f"validation rule op must be one of {', '.join(cls.OPS)}")
        return cls(
            object=str(data["object"]),
            field=str(data["field"]),
            op=str(data["op"]),
            value=data.get("value"),
            message=str(data["message"]),
            name=str(data.get("name", "")),
        )

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def violated(self, value: Any) -> bool:
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        if value is None or self.value is None:
            return False
        return {
            "<": value < self.value,
            "<=": value <= self.value,
            ">": value > self.value,
            ">=": value >= self.value,
        }[self.op]


class Schema:
    """All objects of the org; lookups are case-insensitive and skip what is switched off."""

    def __init__(self, objects: Iterable[ObjectDef], rules: Iterable[ValidationRule] = ()) -> None:
        self._objects = {obj.name.lower(): obj for obj in objects}
        self._by_prefix = {obj.key_prefix: obj for obj in self._objects.values()}
        self.rules: tuple[ValidationRule, ...] = tuple(rules)
        self._hidden: frozenset[str] = frozenset()
        self._lock = threading.Lock()
        self.multi_currency = False

    # -- what the API sees ------------------------------------------------------------------
    def object(self, name: str) -> ObjectDef | None:
        obj = self._objects.get(name.lower())
        if obj is None or not self._object_shown(obj):
            return None
        return obj

    def objects(self) -> list[ObjectDef]:
        return [o for o in self._objects.values() if self._object_shown(o)]

    def _object_shown(self, obj: ObjectDef) -> bool:
        name = obj.name.lower()
        if name in MULTI_CURRENCY_OBJECTS and not self.multi_currency:
            return False
        return name not in self._hidden

    def field(self, obj: ObjectDef, name: str) -> FieldDef | None:
        found = obj.get(name)
        if found is None or not self._shown(obj, found):
            return None
        return found

    def fields(self, obj: ObjectDef) -> list[FieldDef]:
        return [f for f in obj.fields.values() if self._shown(obj, f)]

    def _shown(self, obj: ObjectDef, found: FieldDef) -> bool:
        if found.name == CURRENCY_ISO_CODE and not self.multi_currency:
            return False
        return f"{obj.name}.{found.name}".lower() not in self._hidden

    def relationship(self, obj: ObjectDef, name: str) -> FieldDef | None:
        """The lookup field whose relationship name is `name` (e.g. Account__r -> Account__c)."""
        wanted = name.lower()
        for candidate in self.fields(obj):
            if candidate.relationship_name and candidate.relationship_name.lower() == wanted:
                return candidate
        return None

    def parent(self, lookup: FieldDef) -> ObjectDef | None:
        return self.object(lookup.reference_to[0]) if lookup.reference_to else None

    def by_prefix(self, prefix: str) -> ObjectDef | None:
        obj = self._by_prefix.get(prefix)
        return obj if obj is not None and self.object(obj.name) is not None else None

    def children(self, obj: ObjectDef) -> list[tuple[ObjectDef, FieldDef]]:
        found = []
        for child in self.objects():
            for lookup in self.fields(child):
                if lookup.type == "reference" and obj.name in lookup.reference_to:
                    found.append((child, lookup))
        return found

    def rules_for(self, obj: ObjectDef) -> list[ValidationRule]:
        return [r for r in self.rules if r.object.lower() == obj.name.lower()]

    # -- storage sees everything --------------------------------------------------------------
    def all_objects(self) -> list[ObjectDef]:
        return list(self._objects.values())

    def stored_object(self, name: str) -> ObjectDef:
        return self._objects[name.lower()]

    # -- switches ---------------------------------------------------------------------------------
    @property
    def missing(self) -> list[str]:
        return sorted(self._hidden)

    def set_missing(self, names: Iterable[str]) -> None:
        """Hide objects ("QuickBooks_Payment__c") and fields ("Account.QuickBooks_Balance__c")."""
        hidden = set()
        for name in names:
            obj_name, _, field_name = str(name).partition(".")
            obj = self._objects.get(obj_name.lower())
            if obj is None or (field_name and obj.get(field_name) is None):
                raise ValueError(f"no such object or field to remove: {name}")
            if field_name and field_name.lower() in {"id", "name", "isdeleted"}:
                raise ValueError(f"{name} cannot be removed")
            hidden.add(name.lower() if not field_name else f"{obj.name}.{field_name}".lower())
        with self._lock:
            self._hidden = frozenset(hidden)

    def alter_field(self, path: str, **changes: Any) -> FieldDef:
        """Change a field's properties, e.g. ("Product2.QuickBooks_Item_Id__c", unique=False)."""
        obj_name, _, field_name = path.partition(".")
        obj = self._objects.get(obj_name.lower())
        current = obj.get(field_name) if obj is not None else None
        if obj is None or current is None:
            raise ValueError(f"no such field: {path}")
        updated = dataclasses.replace(current, **changes)
        with self._lock:
            obj.fields[current.name.lower()] = updated
        return updated

    def put_object(self, obj: ObjectDef) -> None:
        """Add a new object, or show a hidden one again (a Metadata API deploy)."""
        with self._lock:
            known = self._objects.setdefault(obj.name.lower(), obj)
            self._by_prefix.setdefault(known.key_prefix, known)
            self._hidden = self._hidden - {obj.name.lower()}

    def put_field(self, obj: ObjectDef, found: FieldDef) -> None:
        """Add or redefine a field and show it (a Metadata API deploy)."""
        with self._lock:
            obj.fields[found.name.lower()] = found
            self._hidden = self._hidden - {f"{obj.name}.{found.name}".lower()}

    def set_multi_currency(self, enabled: bool) -> None:
        """Setup > Company Information > Activate Multiple Currencies: every object gains the
        CurrencyIsoCode picklist (Salesforce Help, "Considerations for Enabling Multiple
        Currencies"). Real orgs cannot switch it off; the sandbox can, for tests."""
        with self._lock:
            self.multi_currency = enabled

    def set_rules(self, rules: Iterable[ValidationRule]) -> None:
        self.rules = tuple(rules)
