"""Record types: which business process and page layout a record follows, chosen per record by
its RecordTypeId.

- The object and its fields (Name, DeveloperName, SobjectType, IsActive): Object Reference,
  "RecordType",
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_recordtype.htm
- A record given an inactive record type, or one of another object, is refused with
  INVALID_CROSS_REFERENCE_KEY "Record Type ID: this ID value isn't valid for the user" on
  RecordTypeId: Salesforce Help, "Error 'Record Type ID: this ID value isn't valid for the
  user'", https://help.salesforce.com/s/articleView?id=000386038&type=1
- Describe lists them in `recordTypeInfos` (active, available, defaultRecordTypeMapping,
  developerName, master, name, recordTypeId), the Master record type always among them:
  REST API Developer Guide, "sObject Describe",
  https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.sandbox.salesforce.errors import RecordError
from app.sandbox.salesforce.schema import ObjectDef

if TYPE_CHECKING:
    from app.sandbox.salesforce.org import Org

OBJECT = "RecordType"
FIELD = "RecordTypeId"
#: The Master record type's fixed Id, the same in every org.
MASTER_ID = "012000000000000AAA"


def check(org: Org, obj: ObjectDef, record: dict[str, Any]) -> None:
    """A record's RecordTypeId must name an active record type of its own object."""
    chosen = record.get(FIELD)
    if not chosen or obj.get(FIELD) is None or chosen == MASTER_ID:
        return
    found = org.store.get(org.schema.stored_object(OBJECT), str(chosen))
    if found is None or not found.get("IsActive") or found.get("SobjectType") != obj.name:
        raise RecordError(
            "INVALID_CROSS_REFERENCE_KEY",
            f"Record Type ID: this ID value isn't valid for the user: {chosen}",
            [FIELD],
        )


def infos(org: Org, obj: ObjectDef) -> list[dict[str, Any]]:
    """The object's describe `recordTypeInfos`; empty for an object without record types."""
    if obj.get(FIELD) is None:
        return []
    rows = [
        r
        for r in org.store.rows(org.schema.stored_object(OBJECT))
        if r.get("SobjectType") == obj.name
    ]
    first_active = next((r["Id"] for r in rows if r.get("IsActive")), None)
    listed = [
        _info(
            r["Name"], r["DeveloperName"], r["Id"], bool(r.get("IsActive")), r["Id"] == first_active
        )
        for r in rows
    ]
    return [*listed, _info("Master", "Master", MASTER_ID, True, first_active is None, master=True)]


def _info(
    name: str,
    developer_name: str,
    record_type_id: str,
    active: bool,
    default: bool,
    *,
    master: bool = False,
) -> dict[str, Any]:
    return {
        "active": active,
        "available": active,
        "defaultRecordTypeMapping": default,
        "developerName": developer_name,
        "master": master,
        "name": name,
        "recordTypeId": record_type_id,
        "urls": {},
    }
