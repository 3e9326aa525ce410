"""Describe results: the global list of objects, one object, and record JSON."""

from __future__ import annotations

from typing import Any

from app.sandbox.salesforce import values
from app.sandbox.salesforce.schema import FieldDef, ObjectDef, Schema

_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "currency": "xsd:double",
    "double": "xsd:double",
    "percent": "xsd:double",
    "int": "xsd:int",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
}


def _urls(obj: ObjectDef, version: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {
        "sobject": base,
        "describe": f"{base}/describe",
        "rowTemplate": f"{base}/{{ID}}",
    }


def object_summary(obj: ObjectDef, version: str) -> dict[str, Any]:
    return {
        "name": obj.name,
        "label": obj.label,
        "labelPlural": obj.label_plural,
        "keyPrefix": obj.key_prefix,
        "custom": obj.custom,
        "customSetting": False,
        "createable": obj.createable,
        "updateable": obj.updateable,
        "deletable": obj.deletable,
        "undeletable": obj.deletable,
        "queryable": True,
        "retrieveable": True,
        "searchable": True,
        "layoutable": True,
        "replicateable": True,
        "triggerable": True,
        "mergeable": obj.name in {"Account", "Contact"},
        "urls": _urls(obj, version),
    }


def field_json(f: FieldDef) -> dict[str, Any]:
    text = f.is_text and f.type not in {"id", "reference"}
    return {
        "name": f.name,
        "label": f.label,
        "type": f.type,
        "soapType": _SOAP_TYPES.get(f.type, "xsd:string"),
        "length": f.length if f.is_text else 0,
        "byteLength": f.length * 3 if f.is_text else 0,
        "precision": f.precision if f.type in {"currency", "double", "percent"} else 0,
        "scale": f.scale if f.type in {"currency", "double", "percent"} else 0,
        "digits": f.precision if f.type == "int" else 0,
        "custom": f.custom,
        "calculated": f.calculated,
        "autoNumber": f.auto_number is not None,
        "nillable": f.nillable,
        "createable": f.createable,
        "updateable": f.updateable,
        "defaultedOnCreate": f.default is not None or f.auto_number is not None or f.name == "Id",
        "defaultValue": f.default if isinstance(f.default, bool) else None,
        "unique": f.unique,
        "externalId": f.external_id,
        "idLookup": f.upsert_key or (f.unique and text),
        "caseSensitive": f.case_sensitive,
        "nameField": f.name_field,
        "filterable": f.type != "textarea" or f.length <= 255,
        "sortable": f.type != "textarea" or f.length <= 255,
        "groupable": f.groupable,
        "aggregatable": f.type not in {"textarea", "boolean"},
        "referenceTo": list(f.reference_to),
        "relationshipName": f.relationship_name,
        "cascadeDelete": f.cascade_delete,
        "restrictedPicklist": False,
        "picklistValues": [
            {"active": True, "defaultValue": False, "label": v, "value": v} for v in f.picklist
        ],
        "htmlFormatted": False,
        "permissionable": f.custom and f.nillable,
    }


def object_describe(
    schema: Schema, obj: ObjectDef, version: str, record_types: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    children = [
        {
            "childSObject": child.name,
            "field": lookup.name,
            "relationshipName": lookup.child_relationship,
            "cascadeDelete": lookup.cascade_delete,
            "deprecatedAndHidden": False,
        }
        for child, lookup in schema.children(obj)
        if lookup.child_relationship
    ]
    return {
        **object_summary(obj, version),
        "fields": [field_json(f) for f in schema.fields(obj)],
        "childRelationships": children,
        "recordTypeInfos": record_types or [],
        "supportedScopes": [{"label": "All", "name": "everything"}],
    }


def global_describe(schema: Schema, version: str) -> dict[str, Any]:
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [
            object_summary(o, version) for o in sorted(schema.objects(), key=lambda o: o.name)
        ],
    }


def record_json(
    schema: Schema,
    obj: ObjectDef,
    row: dict[str, Any],
    version: str,
    fields: list[FieldDef] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "attributes": {
            "type": obj.name,
            "url": f"/services/data/v{version}/sobjects/{obj.name}/{row['Id']}",
        }
    }
    for f in fields if fields is not None else schema.fields(obj):
        out[f.name] = values.to_json(f, row.get(f.name))
    return out
