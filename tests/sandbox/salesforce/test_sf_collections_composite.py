"""sObject Collections and Composite, called the way the app calls them (sf.restful)."""

from __future__ import annotations

from typing import Any

import pytest
from sf_helpers import first_error
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from app.sandbox.salesforce import SalesforceSandbox

INVOICE = {"type": "QuickBooks_Invoice__c"}


def upsert_invoices(sf: Salesforce, records: list[dict[str, Any]], *, all_or_none: bool) -> Any:
    return sf.restful(
        "composite/sobjects/QuickBooks_Invoice__c/QuickBooks_Invoice_Id__c",
        method="PATCH",
        json={"allOrNone": all_or_none, "records": [{"attributes": INVOICE, **r} for r in records]},
    )


@pytest.fixture
def customer(sf: Salesforce) -> str:
    return sf.Account.create({"Name": "Parent Co", "QuickBooks_Customer_Id__c": "800000AA-1"})["id"]


def test_collections_upsert_with_a_partial_failure(
    sf: Salesforce, sandbox: SalesforceSandbox, customer: str
) -> None:
    parent = {"Account__r": {"QuickBooks_Customer_Id__c": "800000AA-1"}}
    results = upsert_invoices(
        sf,
        [
            {"QuickBooks_Invoice_Id__c": "I-1", "Name": "1001", **parent},
            {"QuickBooks_Invoice_Id__c": "I-2"},
            {"QuickBooks_Invoice_Id__c": "I-3", "Name": "1003", "Subtotal__c": "lots"},
            {"QuickBooks_Invoice_Id__c": "I-4", "Name": "1004", **parent},
        ],
        all_or_none=False,
    )
    assert [r["success"] for r in results] == [True, False, False, True]
    assert results[0]["created"] is True
    assert "id" not in results[1]
    assert results[1]["errors"] == [
        {
            "statusCode": "REQUIRED_FIELD_MISSING",
            "message": "Required fields are missing: [Name]",
            "fields": ["Name"],
        }
    ]
    assert results[2]["errors"][0]["statusCode"] == "INVALID_TYPE_ON_FIELD_IN_RECORD"
    saved = {i["QuickBooks_Invoice_Id__c"]: i for i in sandbox.records("QuickBooks_Invoice__c")}
    assert sorted(saved) == ["I-1", "I-4"]
    assert saved["I-1"]["Account__c"] == customer

    again = upsert_invoices(
        sf, [{"QuickBooks_Invoice_Id__c": "I-1", "Name": "1001b"}], all_or_none=False
    )
    assert again == [{"id": results[0]["id"], "success": True, "errors": [], "created": False}]


def test_collections_all_or_none_rolls_everything_back(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    results = upsert_invoices(
        sf,
        [
            {"QuickBooks_Invoice_Id__c": "R-1", "Name": "1"},
            {
                "QuickBooks_Invoice_Id__c": "R-2",
                "Name": "2",
                "Account__r": {"QuickBooks_Customer_Id__c": "nobody"},
            },
        ],
        all_or_none=True,
    )
    assert [r["success"] for r in results] == [False, False]
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "INVALID_FIELD"
    assert "Foreign key external ID: nobody not found" in results[1]["errors"][0]["message"]
    assert sandbox.records("QuickBooks_Invoice__c") == []


def test_collections_create_update_retrieve_and_delete(sf: Salesforce) -> None:
    created = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Account"}, "Name": "C1"},
                {"attributes": {"type": "Contact"}, "LastName": "Person"},
                {"Name": "no type"},
            ],
        },
    )
    assert [r["success"] for r in created] == [True, True, False]
    assert created[2]["errors"][0]["statusCode"] == "INVALID_TYPE"
    account, contact = created[0]["id"], created[1]["id"]
    updated = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "records": [
                {"attributes": {"type": "Account"}, "Id": account, "Phone": "555-1111"},
                {"attributes": {"type": "Account"}, "Id": "001bad", "Phone": "555-2222"},
                {"attributes": {"type": "Account"}, "Phone": "555-3333"},
            ]
        },
    )
    assert updated[0] == {"id": account, "success": True, "errors": []}
    assert updated[1]["errors"][0]["statusCode"] == "MALFORMED_ID"
    assert updated[1]["errors"][0]["fields"] == ["Id"]
    assert updated[2]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    fetched = sf.restful(
        "composite/sobjects/Account", params={"ids": f"{account},{contact}", "fields": "Id,Phone"}
    )
    assert fetched[0]["Phone"] == "555-1111"
    assert fetched[1] is None
    deleted = sf.restful(
        "composite/sobjects", method="DELETE", params={"ids": f"{account},{contact}"}
    )
    assert [r["success"] for r in deleted] == [True, True]


def test_collections_refuse_more_than_200_records(sf: Salesforce) -> None:
    records = [{"QuickBooks_Invoice_Id__c": f"X-{n}", "Name": str(n)} for n in range(201)]
    with pytest.raises(SalesforceMalformedRequest) as info:
        upsert_invoices(sf, records, all_or_none=False)
    assert first_error(info.value)["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_collections_reject_the_same_key_twice(sf: Salesforce, sandbox: SalesforceSandbox) -> None:
    results = upsert_invoices(
        sf,
        [
            {"QuickBooks_Invoice_Id__c": "D-1", "Name": "1"},
            {"QuickBooks_Invoice_Id__c": "D-1", "Name": "2"},
            {"QuickBooks_Invoice_Id__c": "D-2", "Name": "3"},
        ],
        all_or_none=False,
    )
    assert [r["success"] for r in results] == [False, False, True]
    assert results[0]["errors"][0]["statusCode"] == "DUPLICATE_VALUE"


def composite(sf: Salesforce, requests: list[dict[str, Any]], *, all_or_none: bool) -> list[Any]:
    body = {"allOrNone": all_or_none, "compositeRequest": requests}
    return sf.restful("composite", method="POST", json=body)["compositeResponse"]


def sub(method: str, path: str, ref: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": method,
        "url": f"/services/data/v62.0/{path}",
        "referenceId": ref,
    }
    if body is not None:
        request["body"] = body
    return request


def test_composite_with_references(sf: Salesforce, sandbox: SalesforceSandbox) -> None:
    query = "query?q=SELECT+Id+FROM+Contact+WHERE+AccountId='@{acct.id}'"
    responses = composite(
        sf,
        [
            sub("POST", "sobjects/Account", "acct", {"Name": "Composite Co"}),
            sub("GET", "sobjects/Account/@{acct.id}?fields=Name", "read"),
            sub(
                "POST",
                "sobjects/Contact",
                "person",
                {"LastName": "@{read.Name}", "AccountId": "@{acct.id}"},
            ),
            sub("GET", query, "found"),
            sub("PATCH", "sobjects/Contact/@{found.records[0].Id}", "touch", {"Title": "Buyer"}),
        ],
        all_or_none=True,
    )
    assert [r["httpStatusCode"] for r in responses] == [201, 200, 201, 200, 204]
    assert [r["referenceId"] for r in responses] == ["acct", "read", "person", "found", "touch"]
    account_id = responses[0]["body"]["id"]
    contact = next(c for c in sandbox.records("Contact") if c["AccountId"] == account_id)
    assert (contact["LastName"], contact["Title"]) == ("Composite Co", "Buyer")
    assert responses[3]["body"]["records"][0]["Id"] == contact["Id"]


def test_composite_all_or_none_halts_and_rolls_back(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    before = len(sandbox.records("Account"))
    responses = composite(
        sf,
        [
            sub("POST", "sobjects/Account", "a", {"Name": "Kept?"}),
            sub("POST", "sobjects/Account", "b", {"Phone": "1"}),
            sub("POST", "sobjects/Account", "c", {"Name": "Later"}),
        ],
        all_or_none=True,
    )
    assert [r["httpStatusCode"] for r in responses] == [400, 400, 400]
    assert responses[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert responses[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert responses[2]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert len(sandbox.records("Account")) == before


def test_composite_without_all_or_none_keeps_what_worked(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    responses = composite(
        sf,
        [
            sub("POST", "sobjects/Account", "bad", {"Phone": "1"}),
            sub("POST", "sobjects/Contact", "child", {"LastName": "X", "AccountId": "@{bad.id}"}),
            sub("POST", "sobjects/Account", "good", {"Name": "Good"}),
        ],
        all_or_none=False,
    )
    assert [r["httpStatusCode"] for r in responses] == [400, 400, 201]
    assert responses[1]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert "Good" in {a["Name"] for a in sandbox.records("Account")}


def test_composite_limits_and_one_api_call(sf: Salesforce, sandbox: SalesforceSandbox) -> None:
    many = [sub("GET", "limits", f"r{n}") for n in range(26)]
    with pytest.raises(SalesforceMalformedRequest):
        composite(sf, many, all_or_none=False)
    before = sandbox.api_usage
    composite(sf, many[:25], all_or_none=False)
    assert sandbox.api_usage == before + 1
