"""What the Salesforce organisation must have for the chosen workflows and field maps.

`required_salesforce_fields` lists the objects and fields; `find_schema_gaps` compares that list
with describe results and names what is missing, in the shape `errors.salesforce_schema_missing`
takes. The fields holding QuickBooks ids must also be External IDs, or upserts on them fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.domain.fieldmap import FieldType, MappingConfig, Side
from app.domain.invoice_draft import CUSTOMER_ID_PATH, ITEM_ID_PATH
from app.domain.workflows import ACCOUNT, OPPORTUNITY, WORKFLOWS, Direction, WorkflowId

LINE_ITEM_OBJECT = OPPORTUNITY.line_items.name
_SCOPE_FIELDS = {WorkflowId.CUSTOMERS: (ACCOUNT.sync_flag,)}
NOT_EXTERNAL_ID = "not marked as External ID"


def required_salesforce_fields(
    config: MappingConfig, workflow_ids: Iterable[str]
) -> dict[str, tuple[str, ...]]:
    """Object name -> the fields of it that the workflows read or write."""
    needed: dict[str, set[str]] = {}

    def need(sobject: str, *fields: str) -> None:
        needed.setdefault(sobject, set()).update(f for f in fields if "." not in f)

    for workflow_id in workflow_ids:
        definition = WORKFLOWS[WorkflowId(workflow_id)]
        sobject = definition.salesforce_object
        need(sobject, definition.quickbooks_id_field, *_SCOPE_FIELDS.get(definition.id, ()))
        if definition.status_field:
            need(sobject, definition.status_field)
        workflow_map = config.for_workflow(definition.id.value)
        for rule in workflow_map.fields:
            if rule.owner is Side.SALESFORCE:
                need(sobject, *rule.salesforce)
            elif rule.type is FieldType.LOOKUP and rule.lookup_key:
                need(sobject, rule.target.removesuffix("__r") + "__c")
                need(_lookup_parent(rule.target), rule.lookup_key)
            else:
                need(sobject, rule.target)
        if definition.id is WorkflowId.OPPORTUNITIES:
            need(LINE_ITEM_OBJECT, OPPORTUNITY.line_items.product_id)
            for rule in workflow_map.line_fields:
                need(LINE_ITEM_OBJECT, *rule.salesforce)
            need(*CUSTOMER_ID_PATH.split("."))
            need(*ITEM_ID_PATH.split("."))
    return {sobject: tuple(sorted(fields)) for sobject, fields in sorted(needed.items())}


def external_id_fields(workflow_ids: Iterable[str]) -> dict[str, str]:
    """Object -> the field that must be an External ID holding QuickBooks ids."""
    result = {}
    for workflow_id in workflow_ids:
        definition = WORKFLOWS[WorkflowId(workflow_id)]
        if definition.direction is not Direction.SALESFORCE_TO_QUICKBOOKS:
            result[definition.salesforce_object] = definition.quickbooks_id_field
    return result


def find_schema_gaps(
    needed: Mapping[str, Iterable[str]],
    describes: Mapping[str, Mapping[str, Any] | None],
    external_ids: Mapping[str, str] | None = None,
) -> dict[str, list[str]]:
    """Object -> missing fields; an empty list means the whole object is missing.

    `describes` holds each object's describe result, None for an object Salesforce did not find.
    """
    gaps: dict[str, list[str]] = {}
    for sobject, fields in needed.items():
        describe = describes.get(sobject)
        if describe is None:
            gaps[sobject] = []
            continue
        present = {
            field.get("name"): field
            for field in describe.get("fields", [])
            if isinstance(field, Mapping)
        }
        missing = [f for f in fields if f not in present]
        key_field = (external_ids or {}).get(sobject)
        if key_field in present and not present[key_field].get("externalId"):
            missing.append(f"{key_field} ({NOT_EXTERNAL_ID})")
        if missing:
            gaps[sobject] = missing
    return gaps


def _lookup_parent(relationship: str) -> str:
    # Account__r points to Account; other relationships name their parent the same way.
    return relationship.removesuffix("__r")
