from __future__ import annotations

from typing import Any

from app.domain import errors
from app.domain.fieldmap import MappingConfig
from app.domain.schema import (
    NOT_EXTERNAL_ID,
    external_id_fields,
    find_schema_gaps,
    required_salesforce_fields,
)
from app.domain.workflows import WORKFLOWS, Direction, WorkflowId, in_sync_order, workflow


def describe(*fields: str, external: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"fields": [{"name": f, "externalId": f in external} for f in fields]}


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


def test_required_fields_follow_the_field_maps(config: MappingConfig) -> None:
    needed = required_salesforce_fields(config, list(WORKFLOWS))
    assert set(needed["Account"]) >= {
        "QuickBooks_Customer_Id__c",
        "QuickBooks_Balance__c",
        "Sync_To_QuickBooks__c",
        "Name",
        "BillingStreet",
        "Email__c",
    }
    assert set(needed["Product2"]) == {"QuickBooks_Item_Id__c", "Name", "Description", "IsActive"}
    assert set(needed["QuickBooks_Invoice__c"]) == {
        "QuickBooks_Invoice_Id__c",
        "Name",
        "Account__c",
        "Transaction_Date__c",
        "Due_Date__c",
        "Subtotal__c",
        "Sales_Tax_Total__c",
        "Balance_Remaining__c",
        "Is_Paid__c",
        "Status__c",
        "QuickBooks_Updated_At__c",
        "Paid_By__c",
        "Currency__c",
        "Exchange_Rate__c",
        "Balance_Remaining_Home__c",
    }
    assert set(needed["QuickBooks_Credit_Memo__c"]) >= {
        "QuickBooks_Credit_Memo_Id__c",
        "Account__c",
        "Credit_Remaining__c",
        "Applied_To__c",
        "Status__c",
    }
    assert set(needed["QuickBooks_Payment__c"]) >= {"Applied_To__c", "Unapplied_Amount__c"}
    assert "QuickBooks_Invoice_Id__c" in needed["Opportunity"]
    assert set(needed["OpportunityLineItem"]) >= {"Product2Id", "Quantity", "TotalPrice"}


def test_only_the_chosen_workflows_count(config: MappingConfig) -> None:
    needed = required_salesforce_fields(config, ["items"])
    assert list(needed) == ["Product2"]


def test_gaps_name_missing_objects_fields_and_external_ids(config: MappingConfig) -> None:
    needed = required_salesforce_fields(config, ["customers", "items", "invoices"])
    describes = {
        "Account": describe(*needed["Account"], external=()),
        "Product2": describe("Name", "Description", "IsActive"),
        "QuickBooks_Invoice__c": None,
    }
    gaps = find_schema_gaps(needed, describes, external_id_fields(["customers", "items"]))
    assert gaps == {
        "Account": [f"QuickBooks_Customer_Id__c ({NOT_EXTERNAL_ID})"],
        "Product2": ["QuickBooks_Item_Id__c"],
        "QuickBooks_Invoice__c": [],
    }
    error = errors.salesforce_schema_missing(gaps)
    assert "QuickBooks_Invoice__c (the whole object)" in error.what_happened
    assert "Product2 (QuickBooks_Item_Id__c)" in error.what_happened


def test_a_complete_org_has_no_gaps(config: MappingConfig) -> None:
    needed = required_salesforce_fields(config, list(WORKFLOWS))
    keys = external_id_fields(list(WORKFLOWS))
    describes = {
        sobject: describe(*fields, external=tuple(keys.values()))
        for sobject, fields in needed.items()
    }
    assert find_schema_gaps(needed, describes, keys) == {}
