"""One org: its schema, storage, clock, identity, and how it mints ids and timestamps."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.sandbox.salesforce import ids, values
from app.sandbox.salesforce.clock import Clock
from app.sandbox.salesforce.errors import ApiError
from app.sandbox.salesforce.schema import ObjectDef, Schema
from app.sandbox.salesforce.store import Store

#: Where record numbering starts, so ids look like a lived-in org's rather than 000000001.
ID_COUNTER_START = 3_000_000_000


@dataclass
class Org:
    schema: Schema
    store: Store
    clock: Clock
    _ids: dict[str, str] = field(default_factory=dict)

    @classmethod
    def open(cls, schema: Schema, path: str | Path | None = None) -> Org:
        store = Store(schema, path)
        stamps = [store.latest(obj, "SystemModstamp") for obj in schema.all_objects()]
        latest = [stamp for stamp in stamps if stamp]
        clock = Clock(values.parse_datetime(max(latest)) if latest else None)
        return cls(schema, store, clock)

    @property
    def org_id(self) -> str:
        return self._identity("org_id")

    @property
    def user_id(self) -> str:
        return self._identity("user_id")

    def _identity(self, key: str) -> str:
        # Set once when the org is seeded and never changed, so it is read from storage once.
        if key not in self._ids:
            value = self.store.meta(key)
            if value is None:
                return ""
            self._ids[key] = value
        return self._ids[key]

    def new_id(self, obj: ObjectDef) -> str:
        return ids.make(obj.key_prefix, self.store.next_number("id_counter", ID_COUNTER_START))

    def stamp(self) -> str:
        return values.stored_datetime(self.clock.now())

    def new_record(self, obj: ObjectDef) -> dict[str, Any]:
        """The system fields of a record being created now by the org's user."""
        stamp = self.stamp()
        return {
            "Id": self.new_id(obj),
            "IsDeleted": 0,
            "CreatedDate": stamp,
            "CreatedById": self.user_id,
            "LastModifiedDate": stamp,
            "LastModifiedById": self.user_id,
            "SystemModstamp": stamp,
        }

    def object(self, name: str) -> ObjectDef:
        """The visible object called `name`, or the 404 Salesforce gives for an unknown type."""
        obj = self.schema.object(name)
        if obj is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return obj
