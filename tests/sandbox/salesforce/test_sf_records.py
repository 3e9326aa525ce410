"""Describe, single-record calls, external-id upsert, the schema's rules, and API usage counting."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sf_helpers import connect, first_error
from simple_salesforce import Salesforce, format_soql
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from app.sandbox.salesforce import SalesforceSandbox, ids

ID_18 = re.compile(r"^[0-9A-Za-z]{18}$")
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")


def test_global_and_object_describe(sf: Salesforce) -> None:
    names = {o["name"]: o for o in sf.describe()["sobjects"]}
    for name in ("Account", "Opportunity", "OpportunityLineItem", "Product2", "Contact"):
        assert name in names
    assert names["QuickBooks_Invoice__c"]["custom"] is True
    assert names["Account"]["keyPrefix"] == "001"

    account = sf.Account.describe()
    fields = {f["name"]: f for f in account["fields"]}
    key = fields["QuickBooks_Customer_Id__c"]
    assert (key["type"], key["length"], key["externalId"], key["unique"], key["caseSensitive"]) == (
        "string",
        64,
        True,
        True,
        True,
    )
    assert fields["QuickBooks_Balance__c"]["type"] == "currency"
    assert fields["Sync_To_QuickBooks__c"]["type"] == "boolean"
    assert fields["Name"]["nillable"] is False
    for standard in ("BillingStreet", "BillingCity", "BillingState", "BillingPostalCode", "Phone"):
        assert standard in fields
    children = {c["relationshipName"] for c in account["childRelationships"]}
    assert {"Contacts", "Opportunities", "QuickBooks_Invoices__r"} <= children

    invoice = {f["name"]: f for f in sf.QuickBooks_Invoice__c.describe()["fields"]}
    assert invoice["Account__c"]["referenceTo"] == ["Account"]
    assert invoice["Account__c"]["relationshipName"] == "Account__r"
    assert invoice["Subtotal__c"]["precision"] == 16
    assert invoice["Subtotal__c"]["scale"] == 2


def test_unknown_object_describe_is_404(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Nothing__c.describe()
    assert first_error(info.value)["errorCode"] == "NOT_FOUND"


def test_missing_objects_and_fields_disappear_everywhere() -> None:
    missing = ("Account.QuickBooks_Balance__c", "QuickBooks_Payment__c")
    with SalesforceSandbox(qb_customers=2, items=1, opportunities=0, missing=missing) as sb:
        sf = connect(sb)
        fields = {f["name"] for f in sf.Account.describe()["fields"]}
        assert "QuickBooks_Balance__c" not in fields
        assert "QuickBooks_Customer_Id__c" in fields
        assert "QuickBooks_Payment__c" not in {o["name"] for o in sf.describe()["sobjects"]}
        with pytest.raises(SalesforceResourceNotFound):
            sf.QuickBooks_Payment__c.describe()
        with pytest.raises(SalesforceMalformedRequest) as info:
            sf.query("SELECT QuickBooks_Balance__c FROM Account")
        assert first_error(info.value)["errorCode"] == "INVALID_FIELD"
        with pytest.raises(SalesforceMalformedRequest) as info:
            sf.Account.create({"Name": "X", "QuickBooks_Balance__c": 5})
        assert first_error(info.value)["errorCode"] == "INVALID_FIELD"

        sb.set_config(missing=[])
        assert "QuickBooks_Balance__c" in {f["name"] for f in sf.Account.describe()["fields"]}


def test_create_get_update_delete(sf: Salesforce, sandbox: SalesforceSandbox) -> None:
    created = sf.Account.create({"Name": "Harbor Optics Inc.", "Phone": "555-0100"})
    assert created["success"] is True and created["errors"] == []
    account_id = created["id"]
    assert ID_18.match(account_id) and account_id.startswith("001")

    record = sf.Account.get(account_id)
    assert record["Name"] == "Harbor Optics Inc."
    assert record["OwnerId"] == sandbox.user_id
    assert record["IsDeleted"] is False
    assert record["Sync_To_QuickBooks__c"] is False
    assert STAMP.match(record["SystemModstamp"])
    assert record["CreatedDate"] == record["LastModifiedDate"] == record["SystemModstamp"]
    assert sf.Account.get(account_id[:15])["Id"] == account_id

    assert sf.Account.update(account_id, {"Phone": "555-0199"}) == 204
    updated = sf.Account.get(account_id)
    assert updated["Phone"] == "555-0199"
    assert updated["SystemModstamp"] >= record["SystemModstamp"]  # whole seconds: may tie
    assert updated["CreatedDate"] == record["CreatedDate"]

    assert sf.Account.delete(account_id) == 204
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Account.get(account_id)
    assert first_error(info.value)["errorCode"] == "ENTITY_IS_DELETED"


def test_system_modstamp_never_goes_back_and_is_whole_seconds(sf: Salesforce) -> None:
    stamps = []
    for n in range(5):
        record_id = sf.Account.create({"Name": f"Stamp {n}"})["id"]
        stamps.append(sf.Account.get(record_id)["SystemModstamp"])
    assert stamps == sorted(stamps)
    assert {stamp[19:23] for stamp in stamps} == {".000"}


def test_external_id_upsert_creates_then_updates(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    http = sf.session
    url = f"{sf.base_url}sobjects/QuickBooks_Invoice__c/QuickBooks_Invoice_Id__c/8000-1"
    headers = sf.headers
    first = http.patch(url, json={"Name": "INV-1001", "Subtotal__c": 120.5}, headers=headers)
    assert first.status_code == 201
    body = first.json()
    assert body["created"] is True and body["success"] is True
    second = http.patch(url, json={"Name": "INV-1001", "Subtotal__c": 99.99}, headers=headers)
    assert second.status_code == 200
    assert second.json() == {"id": body["id"], "success": True, "errors": [], "created": False}
    invoices = sandbox.records("QuickBooks_Invoice__c")
    assert [(i["QuickBooks_Invoice_Id__c"], i["Subtotal__c"]) for i in invoices] == [
        ("8000-1", 99.99)
    ]

    fetched = sf.QuickBooks_Invoice__c.get_by_custom_id("QuickBooks_Invoice_Id__c", "8000-1")
    assert fetched["Id"] == body["id"]
    assert sf.QuickBooks_Invoice__c.upsert("QuickBooks_Invoice_Id__c/8000-1", {"Name": "X"}) == 200
    old_api = http.patch(
        url.replace("/v62.0/", "/v45.0/"), json={"Name": "INV-1001"}, headers=headers
    )
    assert old_api.status_code == 204


def test_upsert_parent_by_external_id_and_case_sensitive_keys(sf: Salesforce) -> None:
    account = sf.Account.create({"Name": "Keyed", "QuickBooks_Customer_Id__c": "80000001-ABC"})
    sf.QuickBooks_Invoice__c.upsert(
        "QuickBooks_Invoice_Id__c/9000-1",
        {"Name": "1", "Account__r": {"QuickBooks_Customer_Id__c": "80000001-ABC"}},
    )
    invoice = sf.QuickBooks_Invoice__c.get_by_custom_id("QuickBooks_Invoice_Id__c", "9000-1")
    assert invoice["Account__c"] == account["id"]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.QuickBooks_Invoice__c.upsert(
            "QuickBooks_Invoice_Id__c/9000-2",
            {"Name": "2", "Account__r": {"QuickBooks_Customer_Id__c": "80000001-abc"}},
        )
    assert "Foreign key external ID: 80000001-abc not found" in first_error(info.value)["message"]
    # A case-sensitive unique key lets "abc" live beside "ABC".
    other = sf.Account.create({"Name": "Other", "QuickBooks_Customer_Id__c": "80000001-abc"})
    assert other["success"] is True


def test_upsert_with_several_matches_is_300_and_unknown_field_404(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    sandbox.alter_field("Product2.QuickBooks_Item_Id__c", unique=False)
    sf.Product2.create({"Name": "One", "QuickBooks_Item_Id__c": "80000010-1"})
    sf.Product2.create({"Name": "Two", "QuickBooks_Item_Id__c": "80000010-1"})
    with pytest.raises(SalesforceMoreThanOneRecord) as info:
        sf.Product2.upsert("QuickBooks_Item_Id__c/80000010-1", {"Description": "x"})
    assert info.value.status == 300
    assert len(info.value.content) == 2
    assert all(
        u.startswith("/services/data/v62.0/sobjects/Product2/01t") for u in info.value.content
    )
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Product2.upsert("Name/One", {"Description": "x"})
    assert first_error(info.value)["errorCode"] == "NOT_FOUND"
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Product2.get_by_custom_id("QuickBooks_Item_Id__c", "nope")
    assert first_error(info.value) == {
        "message": "The requested resource does not exist",
        "errorCode": "NOT_FOUND",
    }


@pytest.mark.parametrize(
    ("sobject", "body", "code", "fields"),
    [
        ("Account", {"Phone": "1"}, "REQUIRED_FIELD_MISSING", ["Name"]),
        ("QuickBooks_Invoice__c", {"Name": "x" * 81}, "STRING_TOO_LONG", ["Name"]),
        ("Account", {"Name": "A", "Bogus__c": 1}, "INVALID_FIELD", ["Bogus__c"]),
        ("Account", {"Name": "A", "IsDeleted": True}, "INVALID_FIELD_FOR_INSERT_UPDATE",
         ["IsDeleted"]),
        ("Opportunity", {"Name": "O", "StageName": "Prospecting", "CloseDate": "soon"},
         "INVALID_TYPE_ON_FIELD_IN_RECORD", ["CloseDate"]),
        ("Contact", {"LastName": "L", "AccountId": "not-an-id"}, "MALFORMED_ID", ["AccountId"]),
        ("Contact", {"LastName": "L", "Email": "not an email"}, "INVALID_EMAIL_ADDRESS", ["Email"]),
        ("QuickBooks_Payment__c", {"Amount__c": -5}, "FIELD_CUSTOM_VALIDATION_EXCEPTION",
         ["Amount__c"]),
        ("QuickBooks_Payment__c", {"Amount__c": 1e20}, "NUMBER_OUTSIDE_VALID_RANGE", ["Amount__c"]),
    ],
)  # fmt: skip
def test_writes_enforce_the_schema(
    sf: Salesforce, sobject: str, body: dict[str, object], code: str, fields: list[str]
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        getattr(sf, sobject).create(body)
    error = first_error(info.value)
    assert (error["errorCode"], error["fields"]) == (code, fields)
    assert error["message"]


def test_validation_rule_message_and_config(sf: Salesforce, sandbox: SalesforceSandbox) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.QuickBooks_Payment__c.create({"Amount__c": -1})
    assert first_error(info.value)["message"] == "Amount__c must not be negative"
    sandbox.set_config(validation_rules=[])
    assert sf.QuickBooks_Payment__c.create({"Amount__c": -1})["success"] is True
    sandbox.set_config(
        validation_rules=[
            {
                "object": "QuickBooks_Invoice__c",
                "field": "Balance_Remaining__c",
                "op": ">",
                "value": 1000,
                "message": "Balance over limit",
            }
        ]
    )
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.QuickBooks_Invoice__c.create({"Name": "I", "Balance_Remaining__c": 1000.01})
    assert first_error(info.value)["errorCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"


def test_duplicate_value_and_bad_ids(sf: Salesforce) -> None:
    sf.Account.create({"Name": "A", "QuickBooks_Customer_Id__c": "K-1"})
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Account.create({"Name": "B", "QuickBooks_Customer_Id__c": "K-1"})
    error = first_error(info.value)
    assert error["errorCode"] == "DUPLICATE_VALUE"
    assert "duplicate value found: QuickBooks_Customer_Id__c" in error["message"]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Account.update("001xyz", {"Name": "C"})
    assert first_error(info.value)["errorCode"] == "MALFORMED_ID"
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Account.update(ids.make("001", 42), {"Name": "C"})
    assert first_error(info.value)["errorCode"] == "NOT_FOUND"
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Account.get("001xyz")
    assert first_error(info.value)["errorCode"] == "NOT_FOUND"


def test_line_items_roll_up_and_opportunity_flags(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    account = sf.Account.create({"Name": "Roll Up"})["id"]
    entry = sandbox.records("PricebookEntry")[0]["Id"]  # opportunity products name their price
    opportunity = sf.Opportunity.create(
        {"Name": "Deal", "AccountId": account, "StageName": "Closed Won", "CloseDate": "2026-02-01"}
    )["id"]
    for quantity, price in ((2, 10.25), (1, 5)):
        sf.OpportunityLineItem.create(
            {
                "OpportunityId": opportunity,
                "PricebookEntryId": entry,
                "Quantity": quantity,
                "UnitPrice": price,
            }
        )
    record = sf.Opportunity.get(opportunity)
    assert (record["Amount"], record["IsWon"], record["IsClosed"]) == (25.5, True, True)
    lines = sf.query(
        format_soql(
            "SELECT TotalPrice FROM OpportunityLineItem WHERE OpportunityId = {} "
            "ORDER BY TotalPrice",
            opportunity,
        )
    )
    assert [r["TotalPrice"] for r in lines["records"]] == [5.0, 20.5]


def test_updated_and_deleted_resources(sf: Salesforce) -> None:
    start = datetime.now(UTC) - timedelta(minutes=1)
    kept = sf.Account.create({"Name": "Kept"})["id"]
    gone = sf.Account.create({"Name": "Gone"})["id"]
    sf.Account.delete(gone)
    end = datetime.now(UTC) + timedelta(minutes=1)
    assert sf.Account.updated(start, end)["ids"] == [kept]
    deleted = sf.Account.deleted(start, end)["deletedRecords"]
    assert [d["id"] for d in deleted] == [gone]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Account.updated(start - timedelta(days=40), end)
    assert first_error(info.value)["errorCode"] == "INVALID_REPLICATION_DATE"


def test_limit_info_counts_every_call(
    sf: Salesforce, sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    sf.query("SELECT Id FROM Account LIMIT 1")
    first = sf.api_usage["api-usage"]
    sf.Account.describe()
    sf.query("SELECT Id FROM Account LIMIT 1")
    assert sf.api_usage["api-usage"].used == first.used + 2
    assert first.total == 15000
    limits = sf.limits()
    assert limits["DailyApiRequests"]["Max"] == 15000
    assert limits["DailyApiRequests"]["Remaining"] == 15000 - (first.used + 3)
    response = http.get(
        f"{sandbox.instance_url}/services/data/v62.0/limits/",
        headers={"Authorization": f"Bearer {sandbox.issue_access_token()}"},
    )
    assert response.headers["Sforce-Limit-Info"] == f"api-usage={first.used + 4}/15000"
    assert sandbox.api_usage == first.used + 4
