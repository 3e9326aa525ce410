"""What the sandbox promises about upserts by external id, each from Salesforce's documentation."""

from __future__ import annotations

from typing import Any

import requests
from sf_helpers import API_VERSION
from simple_salesforce import Salesforce

from app.sandbox.salesforce import SalesforceSandbox


def _collection_upsert(sf: Salesforce, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    body = {
        "allOrNone": False,
        "records": [{"attributes": {"type": "QuickBooks_Invoice__c"}, **r} for r in records],
    }
    return sf.restful(
        "composite/sobjects/QuickBooks_Invoice__c/QuickBooks_Invoice_Id__c",
        method="PATCH",
        json=body,
    )


def test_the_same_external_id_twice_in_one_request_is_duplicate_value(sf: Salesforce) -> None:
    """Salesforce Help, "Error 'Duplicate Id Specified' or CSV with duplicate records on update or
    upsert": checked within one request; DUPLICATE_EXTERNAL_ID is for existing records.
    https://help.salesforce.com/s/articleView?id=000384876&type=1
    """
    results = _collection_upsert(
        sf,
        [
            {"QuickBooks_Invoice_Id__c": "U-1", "Name": "a"},
            {"QuickBooks_Invoice_Id__c": "U-1", "Name": "b"},
        ],
    )
    errors = [r["errors"][0] for r in results]
    assert [e["statusCode"] for e in errors] == ["DUPLICATE_VALUE", "DUPLICATE_VALUE"]
    assert errors[0]["message"] == "Duplicate external id specified: U-1"
    again = _collection_upsert(sf, [{"QuickBooks_Invoice_Id__c": "U-1", "Name": "c"}])
    assert again[0]["success"] is True  # the check is per request only


def test_a_case_sensitive_external_id_matches_exactly(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    """Apex Developer Guide, "Upserting Records": custom field matching is case-insensitive only
    for fields that are Unique and case-insensitive; the invoice id field is case-sensitive.
    https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/langCon_apex_dml_examples_upsert.htm
    """
    first = _collection_upsert(sf, [{"QuickBooks_Invoice_Id__c": "case-1", "Name": "lower"}])
    second = _collection_upsert(sf, [{"QuickBooks_Invoice_Id__c": "CASE-1", "Name": "upper"}])
    assert (first[0]["created"], second[0]["created"]) == (True, True)
    keys = {r["QuickBooks_Invoice_Id__c"] for r in sandbox.records("QuickBooks_Invoice__c")}
    assert {"case-1", "CASE-1"} <= keys


def test_a_unique_case_insensitive_external_id_matches_any_case(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    """Apex Developer Guide, "Upserting Records": a Unique, case-insensitive field matches
    "ABC123" with "abc123".
    https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/langCon_apex_dml_examples_upsert.htm
    """
    sandbox.alter_field("QuickBooks_Invoice__c.QuickBooks_Invoice_Id__c", case_sensitive=False)
    first = _collection_upsert(sf, [{"QuickBooks_Invoice_Id__c": "abc123", "Name": "lower"}])
    second = _collection_upsert(sf, [{"QuickBooks_Invoice_Id__c": "ABC123", "Name": "upper"}])
    assert (first[0]["created"], second[0]["created"]) == (True, False)
    assert first[0]["id"] == second[0]["id"]


def test_a_non_unique_external_id_matches_exactly_whatever_its_case_setting(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    """Apex Developer Guide, "Upserting Records": without Unique, matching is case-sensitive.
    https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/langCon_apex_dml_examples_upsert.htm
    """
    sandbox.alter_field(
        "QuickBooks_Invoice__c.QuickBooks_Invoice_Id__c", case_sensitive=False, unique=False
    )
    first = _collection_upsert(sf, [{"QuickBooks_Invoice_Id__c": "nu-1", "Name": "lower"}])
    second = _collection_upsert(sf, [{"QuickBooks_Invoice_Id__c": "NU-1", "Name": "upper"}])
    assert (first[0]["created"], second[0]["created"]) == (True, True)


def test_the_url_external_id_field_in_a_rest_upsert_body_is_an_error(
    sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """REST API Developer Guide, "Upsert Records Using sObject Rows by External ID": "Do not
    specify Id or an external ID field in the request body or an error is generated."
    https://developer.salesforce.com/docs/atlas.en-us.238.0.api_rest.meta/api_rest/resources_sobject_upsert_patch.htm
    """
    url = (
        f"{sandbox.instance_url}/services/data/v{API_VERSION}/sobjects/QuickBooks_Invoice__c/"
        "QuickBooks_Invoice_Id__c/BODY-1"
    )
    headers = {"Authorization": f"Bearer {sandbox.issue_access_token()}"}
    refused = http.patch(
        url, json={"Name": "x", "QuickBooks_Invoice_Id__c": "BODY-1"}, headers=headers
    )
    assert refused.status_code == 400
    assert refused.json()[0]["errorCode"] == "INVALID_FIELD"
    assert http.patch(url, json={"Name": "x"}, headers=headers).status_code == 201
