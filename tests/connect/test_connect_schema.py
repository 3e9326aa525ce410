"""The schema check: describe-based, naming exactly what the org lacks."""

from __future__ import annotations

from app.context import AppContext
from app.engine.connections import salesforce_from
from app.salesforce.client import SalesforceClient
from app.salesforce.oauth import KeyringRefresherFactory
from app.salesforce.schema_check import check_schema, compare, required_fields
from app.sandbox.salesforce import SalesforceSandbox


def _client(ctx: AppContext) -> SalesforceClient:
    return salesforce_from(
        ctx.store, ctx.credentials, ctx.paths.data_dir, KeyringRefresherFactory(ctx.credentials)
    )


def test_required_fields_follow_the_workflows_and_field_maps() -> None:
    needed = required_fields()
    assert "Email__c" in needed["Account"]  # named by the customers field map
    assert {"QuickBooks_Customer_Id__c", "QuickBooks_Balance__c", "Sync_To_QuickBooks__c"} <= set(
        needed["Account"]
    )
    assert "QuickBooks_Item_Id__c" in needed["Product2"]
    assert "QuickBooks_Invoice_Id__c" in needed["Opportunity"]
    assert {"Account__c", "Opportunity__c", "Status__c", "QuickBooks_Updated_At__c"} <= set(
        needed["QuickBooks_Invoice__c"]
    )
    assert {"QuickBooks_Payment_Id__c", "Amount__c", "Ref_Number__c"} <= set(
        needed["QuickBooks_Payment__c"]
    )
    assert set(required_fields(["items"])) == {"Product2"}


def test_compare_names_missing_objects_fields_and_plain_id_fields() -> None:
    describes = {
        "Account": {
            "fields": [
                {"name": "Name"},
                {"name": "QuickBooks_Customer_Id__c", "externalId": False},
            ]
        },
        "Product2": None,
    }
    report = compare(
        {"Account": ("Name", "QuickBooks_Customer_Id__c", "Email__c"), "Product2": ("Name",)},
        describes,
        {"Account": "QuickBooks_Customer_Id__c"},
    )
    assert report.missing == {"Account": ("Email__c",), "Product2": ()}
    assert report.not_external == {"Account": ("QuickBooks_Customer_Id__c",)}
    assert report.user_error is not None
    text = report.user_error.what_happened
    assert "Account (Email__c, QuickBooks_Customer_Id__c is not an External ID field)" in text
    assert "Product2 (the whole object)" in text


def test_the_sandbox_org_is_checked_by_describe(
    signed_in: AppContext, salesforce: SalesforceSandbox
) -> None:
    hidden = ["QuickBooks_Payment__c", "Account.QuickBooks_Balance__c", "Product2.IsActive"]
    salesforce.set_config(missing=hidden)
    salesforce.alter_field("Product2.QuickBooks_Item_Id__c", external_id=False)
    report = check_schema(_client(signed_in))
    assert report.missing["QuickBooks_Payment__c"] == ()
    assert "QuickBooks_Balance__c" in report.missing["Account"]
    assert "IsActive" in report.missing["Product2"]
    assert report.not_external == {"Product2": ("QuickBooks_Item_Id__c",)}
    assert "QuickBooks_Invoice__c" not in report.missing
    describes = [r for r in salesforce.requests() if r["path"].endswith("/describe")]
    assert len(describes) == len(report.checked)
