"""What a fix of the books leaves in the run's ledger beyond what the run itself wrote."""

from __future__ import annotations

from app.domain.outcomes import Outcome
from app.engine.books.model import Kind, Reconciliation
from app.engine.books.salesforce_side import AMOUNT_FIELDS
from app.store import FieldChange, Store


def record_salesforce_before(store: Store, reconciliation: Reconciliation, run_id: int) -> None:
    """An amount edited in Salesforce is no value the app wrote, so the ledger cannot show it
    as "before"; the reconciliation read it, so the report can."""
    written = {
        (i.workflow, i.qb_id)
        for i in store.run_items(run_id)
        if i.outcome in {Outcome.CREATED.value, Outcome.UPDATED.value}
    }
    known = {(c.workflow, c.qb_id, c.field) for c in store.field_changes(run_id)}
    changes = []
    for d in reconciliation.differences:
        field_name = AMOUNT_FIELDS.get(d.workflow)
        if (
            field_name is not None
            and d.kind is Kind.AMOUNT_DIFFERS
            and d.qb_id
            and (d.workflow, d.qb_id) in written
            and (d.workflow, d.qb_id, field_name) not in known
            and d.salesforce_amount is not None
            and d.quickbooks_amount is not None
        ):
            changes.append(
                FieldChange(
                    run_id,
                    d.workflow,
                    d.qb_id,
                    field_name,
                    float(d.salesforce_amount),
                    float(d.quickbooks_amount),
                )
            )
    if changes:
        store.add_field_changes(changes)
