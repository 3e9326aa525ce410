"""Does the Salesforce org have the objects and fields the chosen workflows write and read?

One describe call per object. The list comes from the workflows (DESIGN.md "Workflows") plus
the Salesforce fields the field maps name, so an admin's added mapping row is checked too.
The QuickBooks id fields must also be External ID fields, or upserts on them fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.domain.errors import UserError, salesforce_schema_missing
from app.domain.fieldmap import FieldRule, MappingConfig
from app.domain.mapping_file import default_mapping
from app.domain.workflows import (
    WORKFLOWS,
    Direction,
    OpportunityFields,
    WorkflowDefinition,
    WorkflowId,
)


def _fields_beyond_the_map(definition: WorkflowDefinition) -> dict[str, tuple[str, ...]]:
    needed = {definition.salesforce_object: definition.salesforce.field_names()}
    for other, name in definition.also_reads:
        needed[other.name] = (*needed.get(other.name, ()), name)
    if isinstance(definition.salesforce, OpportunityFields):
        lines = definition.salesforce.line_items
        needed[lines.name] = (lines.product_id,)
    return needed


#: Per workflow, per object: the fields it needs beyond what its field map names.
WORKFLOW_FIELDS: dict[WorkflowId, dict[str, tuple[str, ...]]] = {
    workflow_id: _fields_beyond_the_map(definition) for workflow_id, definition in WORKFLOWS.items()
}


class Describer(Protocol):
    def describe(self, sobject: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class SchemaReport:
    """`missing`: object -> missing fields (an empty tuple: the whole object is missing).
    `not_external`: fields that exist but are not marked External ID."""

    checked: tuple[str, ...]
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    not_external: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.not_external

    @property
    def user_error(self) -> UserError | None:
        if self.ok:
            return None
        problems: dict[str, list[str]] = {obj: list(fields) for obj, fields in self.missing.items()}
        for obj, fields in self.not_external.items():
            problems.setdefault(obj, []).extend(f"{f} is not an External ID field" for f in fields)
        return salesforce_schema_missing(problems)


def required_fields(
    workflows: Iterable[str] | None = None, mapping: MappingConfig | None = None
) -> dict[str, tuple[str, ...]]:
    """Object -> fields the workflows need, in a stable order."""
    chosen = [WorkflowId(w) for w in workflows] if workflows is not None else list(WORKFLOWS)
    mapping = mapping or default_mapping()
    needed: dict[str, dict[str, None]] = {}
    for workflow_id in chosen:
        for sobject, fields in WORKFLOW_FIELDS[workflow_id].items():
            needed.setdefault(sobject, {}).update(dict.fromkeys(fields))
        definition = WORKFLOWS[workflow_id]
        if workflow_id.value not in mapping.maps:
            continue
        workflow_map = mapping.for_workflow(workflow_id.value)
        _add_own_fields(needed, definition.salesforce_object, workflow_map.fields)
        if isinstance(definition.salesforce, OpportunityFields):
            lines = definition.salesforce.line_items.name
            _add_own_fields(needed, lines, workflow_map.line_fields)
    return {sobject: tuple(fields) for sobject, fields in needed.items()}


def _add_own_fields(
    needed: dict[str, dict[str, None]], sobject: str, rules: Iterable[FieldRule]
) -> None:
    for rule in rules:
        for name in rule.salesforce:
            own = _own_field(name)
            if own:
                needed.setdefault(sobject, {})[own] = None


def external_id_fields(workflows: Iterable[str] | None = None) -> dict[str, str]:
    """Object -> the External ID field that holds QuickBooks ids, for the workflows that upsert."""
    chosen = [WorkflowId(w) for w in workflows] if workflows is not None else list(WORKFLOWS)
    return {
        WORKFLOWS[w].salesforce_object: WORKFLOWS[w].quickbooks_id_field
        for w in chosen
        if WORKFLOWS[w].direction is not Direction.SALESFORCE_TO_QUICKBOOKS
    }


def compare(
    required: Mapping[str, Iterable[str]],
    describes: Mapping[str, dict[str, Any] | None],
    external: Mapping[str, str] | None = None,
) -> SchemaReport:
    """Pure: what the describe results lack, against what is required."""
    missing: dict[str, tuple[str, ...]] = {}
    not_external: dict[str, tuple[str, ...]] = {}
    for sobject, fields in required.items():
        described = describes.get(sobject)
        if described is None:
            missing[sobject] = ()
            continue
        present = {f["name"].lower(): f for f in described.get("fields", [])}
        absent = tuple(name for name in fields if name.lower() not in present)
        if absent:
            missing[sobject] = absent
        id_field = (external or {}).get(sobject)
        described_id = present.get(id_field.lower()) if id_field else None
        if described_id is not None and not described_id.get("externalId"):
            not_external[sobject] = (id_field,)
    return SchemaReport(checked=tuple(required), missing=missing, not_external=not_external)


def check_schema(
    salesforce: Describer,
    workflows: Iterable[str] | None = None,
    mapping: MappingConfig | None = None,
) -> SchemaReport:
    chosen = list(workflows) if workflows is not None else None
    required = required_fields(chosen, mapping)
    describes = {sobject: salesforce.describe(sobject) for sobject in required}
    return compare(required, describes, external_id_fields(chosen))


def _own_field(name: str) -> str | None:
    """The object's own field a map row names; relationship paths are the parent's business."""
    if "." in name:
        return None
    if name.endswith("__r"):
        return name[: -len("__r")] + "__c"
    return name
