"""Which workflows can run with the org as it is: those whose objects and fields all exist (and
whose prerequisite workflows can run too)."""

from __future__ import annotations

from app.domain.fieldmap import MappingConfig
from app.domain.workflows import ALL_WORKFLOWS, WORKFLOWS, WorkflowId
from app.salesforce.schema_check import SchemaReport, external_id_fields, required_fields


def workflows_ready(
    report: SchemaReport, mapping: MappingConfig | None = None
) -> dict[WorkflowId, bool]:
    """Workflow -> whether everything it needs is in the org, in first-sync order."""
    ready: dict[WorkflowId, bool] = {}
    for workflow_id in ALL_WORKFLOWS:
        needed = required_fields([workflow_id], mapping)
        own = all(_present(report, sobject, fields) for sobject, fields in needed.items())
        id_fields = external_id_fields([workflow_id])
        external = all(
            id_field not in report.not_external.get(sobject, ())
            for sobject, id_field in id_fields.items()
        )
        prerequisites = all(ready.get(d, False) for d in WORKFLOWS[workflow_id].depends_on)
        ready[workflow_id] = own and external and prerequisites
    return ready


def _present(report: SchemaReport, sobject: str, fields: tuple[str, ...]) -> bool:
    if sobject not in report.missing:
        return True
    missing = report.missing[sobject]
    if not missing:
        return False  # the whole object
    return not {f.lower() for f in missing} & {f.lower() for f in fields}
