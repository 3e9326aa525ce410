"""Conformance: the Standard Account Duplicate Rule and the Duplicate Rule Header.

Sources (cited in app/sandbox/salesforce/duplicate_rules.py): Salesforce Help "Standard Account
Duplicate Rule" and "Standard Account Matching Rule"; REST API Developer Guide "Duplicate Rule
Header"; SOAP API Developer Guide "DuplicateResult", "MatchResult", "MatchRecord". Every call
goes over real HTTPS through simple-salesforce, as the app's does.
"""

from __future__ import annotations

from typing import Any

import pytest
from sf_helpers import first_error
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from app.sandbox.salesforce import SalesforceSandbox

HEADER = "Sforce-Duplicate-Rule-Header"
ORIGINAL = {
    "Name": "Harbor Freight Logistics Inc",
    "BillingStreet": "400 Dock Road",
    "BillingCity": "Portland",
    "BillingPostalCode": "97201",
    "Phone": "(503) 555-0100",
}
LOOKALIKE = {
    "Name": "Harbor Freight Logistics, Inc.",
    "BillingStreet": "400 Dock Road",
    "BillingCity": "Portland",
    "BillingPostalCode": "97201",
}


@pytest.fixture
def original(sf: Salesforce) -> str:
    return str(sf.Account.create(ORIGINAL)["id"])


def _create(sf: Salesforce, body: dict[str, Any], header: str | None = None) -> Any:
    return sf.Account.create(body, headers={HEADER: header} if header else None)


def _matched_ids(error: dict[str, Any]) -> list[str]:
    result = error["duplicateResult"]
    return [m["record"]["Id"] for r in result["matchResults"] for m in r["matchRecords"]]


def test_the_rule_is_active_by_default_and_refuses_a_matching_create(
    sf: Salesforce, original: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        _create(sf, LOOKALIKE)
    error = first_error(info.value)
    assert info.value.status == 400
    assert error["errorCode"] == "DUPLICATES_DETECTED"
    assert error["message"] == "Use one of these records?"
    result = error["duplicateResult"]
    assert result["duplicateRule"] == "Standard_Account_Duplicate_Rule"
    assert result["duplicateRuleEntityType"] == "Account"
    assert result["allowSave"] is True
    assert result["matchResults"][0]["matchEngine"] == "FuzzyMatchEngine"
    assert result["matchResults"][0]["size"] == 1
    assert _matched_ids(error) == [original]


def test_without_include_record_details_a_match_names_only_the_id(
    sf: Salesforce, original: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        _create(sf, LOOKALIKE)
    record = first_error(info.value)["duplicateResult"]["matchResults"][0]["matchRecords"][0]
    assert set(record["record"]) == {"attributes", "Id"}


def test_include_record_details_returns_the_matching_records_fields(
    sf: Salesforce, original: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        _create(sf, LOOKALIKE, "includeRecordDetails=true")
    record = first_error(info.value)["duplicateResult"]["matchResults"][0]["matchRecords"][0]
    assert record["record"]["Name"] == ORIGINAL["Name"]


def test_allow_save_saves_the_duplicate_when_the_action_alerts(
    sf: Salesforce, original: str, sandbox: SalesforceSandbox
) -> None:
    created = _create(sf, LOOKALIKE, "allowSave=true; includeRecordDetails=false")
    assert created["success"] is True
    assert {a["Id"] for a in sandbox.records("Account")} >= {original, created["id"]}


def test_a_block_action_refuses_even_with_allow_save(
    sf: Salesforce, original: str, sandbox: SalesforceSandbox
) -> None:
    sandbox.set_config(account_duplicate_rule={"action_on_create": "block"})
    with pytest.raises(SalesforceMalformedRequest) as info:
        _create(sf, LOOKALIKE, "allowSave=true")
    error = first_error(info.value)
    assert error["errorCode"] == "DUPLICATES_DETECTED"
    assert error["duplicateResult"]["allowSave"] is False


def test_an_inactive_rule_refuses_nothing(
    sf: Salesforce, original: str, sandbox: SalesforceSandbox
) -> None:
    sandbox.set_config(account_duplicate_rule={"active": False})
    assert _create(sf, LOOKALIKE)["success"] is True


def test_a_blank_field_never_matches(sf: Salesforce, original: str) -> None:
    assert _create(sf, {"Name": ORIGINAL["Name"]})["success"] is True


def test_a_different_company_at_the_same_address_is_not_a_duplicate(
    sf: Salesforce, original: str
) -> None:
    assert _create(sf, {**LOOKALIKE, "Name": "Cascade Bakery"})["success"] is True


def test_edits_are_only_reported_never_refused(sf: Salesforce, original: str) -> None:
    other = _create(sf, {"Name": "Cascade Bakery", "Phone": "503 555 0199"})["id"]
    assert sf.Account.update(other, {"Name": ORIGINAL["Name"], "Phone": ORIGINAL["Phone"]}) == 204


def test_collections_refuse_the_duplicate_record_and_save_the_others(
    sf: Salesforce, original: str
) -> None:
    records = [
        {"attributes": {"type": "Account"}, **LOOKALIKE},
        {"attributes": {"type": "Account"}, "Name": "Cascade Bakery"},
    ]
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={"allOrNone": False, "records": records},
        headers={HEADER: "includeRecordDetails=true"},
    )
    refused, saved = results
    assert refused["success"] is False
    error = refused["errors"][0]
    assert error["statusCode"] == "DUPLICATES_DETECTED"
    assert _matched_ids(error) == [original]
    assert (
        error["duplicateResult"]["matchResults"][0]["matchRecords"][0]["record"]["Name"]
        == (ORIGINAL["Name"])
    )
    assert saved["success"] is True


def test_collections_upsert_with_allow_save_saves_the_duplicate(
    sf: Salesforce, original: str
) -> None:
    record = {"attributes": {"type": "Account"}, **LOOKALIKE, "QuickBooks_Customer_Id__c": "X-1"}
    results = sf.restful(
        "composite/sobjects/Account/QuickBooks_Customer_Id__c",
        method="PATCH",
        json={"allOrNone": False, "records": [record]},
        headers={HEADER: "allowSave=true"},
    )
    assert results[0]["success"] is True
    assert results[0]["created"] is True


def test_composite_subrequests_take_the_header_from_their_http_headers(
    sf: Salesforce, original: str
) -> None:
    url = f"/services/data/v{sf.sf_version}/sobjects/Account"
    body = {
        "allOrNone": False,
        "compositeRequest": [
            {"method": "POST", "url": url, "referenceId": "plain", "body": LOOKALIKE},
            {
                "method": "POST",
                "url": url,
                "referenceId": "acknowledged",
                "body": LOOKALIKE,
                "httpHeaders": {HEADER: "allowSave=true"},
            },
        ],
    }
    plain, acknowledged = sf.restful("composite", method="POST", json=body)["compositeResponse"]
    assert plain["httpStatusCode"] == 400
    assert plain["body"][0]["errorCode"] == "DUPLICATES_DETECTED"
    assert acknowledged["httpStatusCode"] == 201


def test_bulk_api_duplicates_fail_in_the_failed_results(sf: Salesforce, original: str) -> None:
    results = sf.bulk2.Account.insert(records=[LOOKALIKE, {"Name": "Cascade Bakery"}], wait=0.1)
    assert results[0]["numberRecordsFailed"] == 1
    failed = sf.bulk2.Account.get_failed_records(results[0]["job_id"])
    assert "DUPLICATES_DETECTED:Use one of these records?" in failed
