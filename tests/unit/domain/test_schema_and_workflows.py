from __future__ import annotations

from app.domain.workflows import WORKFLOWS, Direction, WorkflowId, in_sync_order, workflow


def test_first_sync_order_is_customers_items_invoices_payments() -> None:
    order = [d.id for d in in_sync_order(["payments", "opportunities", "items", "invoices",
                                           "customers"])]  # fmt: skip
    assert order == [
        WorkflowId.CUSTOMERS,
        WorkflowId.ITEMS,
        WorkflowId.INVOICES,
        WorkflowId.PAYMENTS,
        WorkflowId.OPPORTUNITIES,
    ]


def test_workflow_structure_follows_the_design() -> None:
    assert workflow("customers").direction is Direction.BOTH
    assert workflow("customers").quickbooks_id_field == "QuickBooks_Customer_Id__c"
    assert "Sync_To_QuickBooks__c = true" in (workflow("customers").salesforce_scope or "")
    assert workflow("items").quickbooks_resources == ("service-items", "non-inventory-items")
    assert workflow("invoices").salesforce_object == "QuickBooks_Invoice__c"
    assert workflow("payments").quickbooks_id_field == "QuickBooks_Payment_Id__c"
    opportunities = workflow("opportunities")
    assert opportunities.needs_review
    assert opportunities.quickbooks_id_field == "QuickBooks_Invoice_Id__c"
    assert "QuickBooks_Invoice_Id__c = null" in (opportunities.salesforce_scope or "")
    for definition in WORKFLOWS.values():
        assert all(dep.value in WORKFLOWS for dep in definition.depends_on)
        assert all(workflow(dep).order < definition.order for dep in definition.depends_on)
