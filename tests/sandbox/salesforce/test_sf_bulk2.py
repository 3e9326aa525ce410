"""Bulk API 2.0 ingest through simple-salesforce's bulk2 and by hand."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import requests
from sf_helpers import first_error
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceOperationError, SalesforceResourceNotFound

from app.sandbox.salesforce import SalesforceSandbox


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_bulk_upsert_with_failed_rows_read_back(sf: Salesforce, sandbox: SalesforceSandbox) -> None:
    sf.Account.create({"Name": "Bulk Parent", "QuickBooks_Customer_Id__c": "C-1"})
    records = [
        {
            "QuickBooks_Invoice_Id__c": f"B-{n}",
            "Name": f"10{n:02d}" if n % 4 else "",
            "Subtotal__c": f"{n}.50",
            "Account__r.QuickBooks_Customer_Id__c": "C-1",
            "Transaction_Date__c": "2026-03-01",
        }
        for n in range(12)
    ]
    records[5]["Subtotal__c"] = "not a number"
    bulk = sf.bulk2.QuickBooks_Invoice__c
    (result,) = bulk.upsert(
        records=records, external_id_field="QuickBooks_Invoice_Id__c", wait=0.05
    )
    assert result["numberRecordsTotal"] == 12
    assert result["numberRecordsProcessed"] == 12
    assert result["numberRecordsFailed"] == 4  # B-0, B-4, B-8 have no Name; B-5 a bad number

    failed = rows(bulk.get_failed_records(result["job_id"]))
    assert sorted(r["QuickBooks_Invoice_Id__c"] for r in failed) == ["B-0", "B-4", "B-5", "B-8"]
    errors = {r["QuickBooks_Invoice_Id__c"]: r["sf__Error"] for r in failed}
    assert errors["B-0"] == "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"
    assert errors["B-5"].startswith("INVALID_TYPE_ON_FIELD_IN_RECORD:")
    succeeded = rows(bulk.get_successful_records(result["job_id"]))
    assert len(succeeded) == 8
    assert {r["sf__Created"] for r in succeeded} == {"true"}
    assert all(r["sf__Id"].startswith("a0X") for r in succeeded)
    assert rows(bulk.get_unprocessed_records(result["job_id"])) == []

    saved = {i["QuickBooks_Invoice_Id__c"]: i for i in sandbox.records("QuickBooks_Invoice__c")}
    assert saved["B-1"]["Subtotal__c"] == 1.5
    assert saved["B-1"]["Account__c"] is not None

    # Second pass: updates, an empty cell leaves the value, #N/A clears it.
    (again,) = bulk.upsert(
        records=[
            {"QuickBooks_Invoice_Id__c": "B-1", "Name": "", "Subtotal__c": "#N/A"},
            {"QuickBooks_Invoice_Id__c": "B-2", "Name": "renamed", "Subtotal__c": ""},
        ],
        external_id_field="QuickBooks_Invoice_Id__c",
        wait=0.05,
    )
    assert again["numberRecordsFailed"] == 0
    updated = rows(bulk.get_successful_records(again["job_id"]))
    assert {r["sf__Created"] for r in updated} == {"false"}
    saved = {i["QuickBooks_Invoice_Id__c"]: i for i in sandbox.records("QuickBooks_Invoice__c")}
    assert (saved["B-1"]["Name"], saved["B-1"]["Subtotal__c"]) == ("1001", None)
    assert (saved["B-2"]["Name"], saved["B-2"]["Subtotal__c"]) == ("renamed", 2.5)


def test_bulk_insert_update_and_delete(sf: Salesforce, sandbox: SalesforceSandbox) -> None:
    bulk = sf.bulk2.Product2
    (inserted,) = bulk.insert(records=[{"Name": "P1"}, {"Name": "P2"}], wait=0.05)
    ids = [r["sf__Id"] for r in rows(bulk.get_successful_records(inserted["job_id"]))]
    (updated,) = bulk.update(records=[{"Id": ids[0], "Description": "changed"}], wait=0.05)
    assert updated["numberRecordsFailed"] == 0
    (deleted,) = bulk.delete(records=[{"Id": ids[1]}, {"Id": "01tbad"}], wait=0.05)
    assert deleted["numberRecordsFailed"] == 1
    products = {p["Name"]: p for p in sandbox.records("Product2")}
    assert products["P1"]["Description"] == "changed"
    assert "P2" not in products


def api(sandbox: SalesforceSandbox, http: requests.Session, token: str) -> Any:
    base = f"{sandbox.instance_url}/services/data/v62.0/jobs/ingest"

    def call(method: str, path: str = "", **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return http.request(method, base + path, headers=headers, **kwargs)

    return call


def test_job_lifecycle_by_hand(sandbox: SalesforceSandbox, http: requests.Session) -> None:
    call = api(sandbox, http, sandbox.issue_access_token())
    spec = {
        "object": "Account",
        "operation": "upsert",
        "externalIdFieldName": "QuickBooks_Customer_Id__c",
        "contentType": "CSV",
        "lineEnding": "CRLF",
        "columnDelimiter": "SEMICOLON",
    }
    job = call("POST", json=spec).json()
    assert job["state"] == "Open"
    assert job["id"].startswith("750")
    data = "Name;QuickBooks_Customer_Id__c\r\nSemi One;Q-1\r\nSemi Two;Q-2\r\n"
    upload = call(
        "PUT", f"/{job['id']}/batches", data=data.encode(), headers={"Content-Type": "text/csv"}
    )
    assert upload.status_code == 201
    again = call("PUT", f"/{job['id']}/batches", data=b"x", headers={"Content-Type": "text/csv"})
    assert again.status_code == 409
    closed = call("PATCH", f"/{job['id']}", json={"state": "UploadComplete"}).json()
    assert closed["state"] == "UploadComplete"
    states = [call("GET", f"/{job['id']}").json()["state"] for _ in range(3)]
    assert states == ["InProgress", "JobComplete", "JobComplete"]
    info = call("GET", f"/{job['id']}").json()
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (2, 0)
    results = call("GET", f"/{job['id']}/successfulResults")
    assert results.headers["Content-Type"].startswith("text/csv")
    assert results.text.startswith('"sf__Id";"sf__Created";"Name";"QuickBooks_Customer_Id__c"\r\n')
    listed = call("GET").json()
    assert [j["id"] for j in listed["records"]] == [job["id"]]
    assert call("DELETE", f"/{job['id']}").status_code == 204
    assert call("GET", f"/{job['id']}").status_code == 404
    assert {"Semi One", "Semi Two"} <= {a["Name"] for a in sandbox.records("Account")}


def test_aborted_job_leaves_rows_unprocessed(
    sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    call = api(sandbox, http, sandbox.issue_access_token())
    job = call("POST", json={"object": "Account", "operation": "insert"}).json()
    call("PUT", f"/{job['id']}/batches", data=b"Name\nA\nB\n", headers={"Content-Type": "text/csv"})
    assert call("PATCH", f"/{job['id']}", json={"state": "Aborted"}).json()["state"] == "Aborted"
    assert rows(call("GET", f"/{job['id']}/unprocessedRecords").text) == [
        {"Name": "A"},
        {"Name": "B"},
    ]


def test_bad_jobs(sf: Salesforce, sandbox: SalesforceSandbox, http: requests.Session) -> None:
    call = api(sandbox, http, sandbox.issue_access_token())
    bad_key = call(
        "POST", json={"object": "Account", "operation": "upsert", "externalIdFieldName": "Name"}
    )
    assert bad_key.status_code == 400
    assert bad_key.json()[0]["errorCode"] == "INVALIDJOB"
    unknown = call("POST", json={"object": "Nope__c", "operation": "insert"})
    assert unknown.json()[0]["errorCode"] == "INVALIDJOB"
    with pytest.raises(SalesforceOperationError, match="Field name not found : Bogus__c"):
        sf.bulk2.Account.insert(records=[{"Name": "A", "Bogus__c": "1"}], wait=0.05)
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.restful("jobs/ingest/7508d000000XXXXAAA")
    assert first_error(info.value)["errorCode"] == "NOT_FOUND"
