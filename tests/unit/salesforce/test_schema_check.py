"""The schema check's list of what the org must have, and how describe results are compared."""

from __future__ import annotations

from typing import Any

from app.domain.mapping_file import default_mapping
from app.domain.workflows import WORKFLOWS
from app.salesforce.schema_check import compare, external_id_fields, required_fields


def describe(*fields: str, external: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"fields": [{"name": f, "externalId": f in external} for f in fields]}


def test_required_fields_follow_the_workflows_and_field_maps() -> None:
    needed = required_fields(list(WORKFLOWS), default_mapping())
    assert set(needed["Account"]) >= {
        "QuickBooks_Customer_Id__c",
        "QuickBooks_Balance__c",
        "Sync_To_QuickBooks__c",
        "Name",
        "BillingStreet",
        "Email__c",
    }
    assert set(needed["Product2"]) == {"QuickBooks_Item_Id__c", "Name", "Description", "IsActive"}
    assert set(needed["QuickBooks_Invoice__c"]) >= {
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
    # The opportunity's products: the line item object and the fields its line map names.
    assert set(needed["OpportunityLineItem"]) >= {"Product2Id", "Quantity", "TotalPrice"}


def test_only_the_chosen_workflows_count() -> None:
    assert list(required_fields(["items"])) == ["Product2"]


def test_gaps_name_missing_objects_fields_and_external_ids() -> None:
    needed = required_fields(["customers", "items", "invoices"])
    describes = {
        "Account": describe(*needed["Account"], external=()),
        "Product2": describe("Name", "Description", "IsActive"),
        "QuickBooks_Invoice__c": None,
    }
    report = compare(needed, describes, external_id_fields(["customers", "items"]))
    assert report.missing == {"Product2": ("QuickBooks_Item_Id__c",), "QuickBooks_Invoice__c": ()}
    assert report.not_external == {"Account": ("QuickBooks_Customer_Id__c",)}
    assert report.user_error is not None
    text = report.user_error.what_happened
    assert "QuickBooks_Invoice__c (the whole object)" in text
    assert "Product2 (QuickBooks_Item_Id__c)" in text


def test_a_complete_org_has_no_gaps() -> None:
    needed = required_fields()
    keys = external_id_fields()
    describes = {
        sobject: describe(*fields, external=tuple(keys.values()))
        for sobject, fields in needed.items()
    }
    report = compare(needed, describes, keys)
    assert report.ok
    assert report.user_error is None
