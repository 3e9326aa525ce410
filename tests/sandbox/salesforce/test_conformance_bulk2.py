"""What the sandbox's Bulk API 2.0 promises, each from Salesforce's documentation, over HTTPS."""

from __future__ import annotations

import csv
import io

import requests
from sf_helpers import API_VERSION

from app.sandbox.salesforce import SalesforceSandbox

HEADER = "QuickBooks_Invoice_Id__c,Name"


class Jobs:
    """Ingest jobs by hand, so the test chooses every byte it uploads."""

    def __init__(self, sandbox: SalesforceSandbox, http: requests.Session) -> None:
        self.base = f"{sandbox.instance_url}/services/data/v{API_VERSION}/jobs/ingest"
        self.http = http
        http.headers["Authorization"] = f"Bearer {sandbox.issue_access_token()}"

    def run(self, data: bytes, *, line_ending: str = "LF") -> dict[str, object]:
        job = self.http.post(
            f"{self.base}/",
            json={
                "object": "QuickBooks_Invoice__c",
                "operation": "upsert",
                "externalIdFieldName": "QuickBooks_Invoice_Id__c",
                "lineEnding": line_ending,
            },
        ).json()
        upload = self.http.put(
            f"{self.base}/{job['id']}/batches", data=data, headers={"Content-Type": "text/csv"}
        )
        assert upload.status_code == 201
        self.http.patch(f"{self.base}/{job['id']}/", json={"state": "UploadComplete"})
        info: dict[str, object] = {"state": "UploadComplete"}
        while info["state"] not in {"JobComplete", "Failed", "Aborted"}:
            info = self.http.get(f"{self.base}/{job['id']}/").json()
        return info

    def results(self, job_id: object, kind: str) -> list[dict[str, str]]:
        response = self.http.get(f"{self.base}/{job_id}/{kind}/")
        assert response.status_code == 200
        return list(csv.DictReader(io.StringIO(response.text)))


def _csv(rows: list[tuple[str, str]], ending: str) -> bytes:
    return ending.join([HEADER, *(f"{key},{name}" for key, name in rows)]).encode() + b"\n"


def test_crlf_data_in_an_lf_job_fails_the_job_with_line_ending_invalid(
    sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """Bulk API 2.0 Developer Guide, "Line Ending Header": the data's line endings must match the
    job's lineEnding (default LF).
    https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/bulk_api_2_0_line_ending_header.htm
    """
    jobs = Jobs(sandbox, http)
    info = jobs.run(_csv([("LE-1", "1"), ("LE-2", "2")], "\r\n"))
    assert info["state"] == "Failed"
    assert info["errorMessage"] == (
        "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF"
    )
    assert [r["QuickBooks_Invoice_Id__c"] for r in jobs.results(info["id"], "unprocessedrecords")]
    assert not [r for r in sandbox.records("QuickBooks_Invoice__c") if r["Name"] in {"1", "2"}]


def test_data_ending_as_the_job_declares_is_processed(
    sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """Bulk API 2.0 Developer Guide, "Line Ending Header": LF and CRLF are both supported when
    the job declares the one its data uses.
    https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/bulk_api_2_0_line_ending_header.htm
    """
    jobs = Jobs(sandbox, http)
    lf = jobs.run(_csv([("LE-3", "3")], "\n"))
    crlf = jobs.run(_csv([("LE-4", "4")], "\r\n").replace(b"4\n", b"4\r\n"), line_ending="CRLF")
    assert (lf["state"], lf["numberRecordsProcessed"]) == ("JobComplete", 1)
    assert (crlf["state"], crlf["numberRecordsProcessed"]) == ("JobComplete", 1)


def test_the_same_external_id_twice_in_one_chunk_fails_both_rows_with_duplicate_value(
    sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """Salesforce Help, "Error 'Duplicate Id Specified' or CSV with duplicate records on update or
    upsert" (https://help.salesforce.com/s/articleView?id=000384876&type=1): duplicates processed
    in the same batch fail; Bulk processes a job in chunks of 200 records.
    """
    jobs = Jobs(sandbox, http)
    info = jobs.run(_csv([("DUP-1", "first"), ("DUP-2", "other"), ("DUP-1", "second")], "\n"))
    failed = jobs.results(info["id"], "failedResults")
    assert sorted(r["Name"] for r in failed) == ["first", "second"]
    assert {r["sf__Error"].split(":")[0] for r in failed} == {"DUPLICATE_VALUE"}
    assert "Duplicate external id specified: DUP-1" in failed[0]["sf__Error"]


def test_the_same_external_id_in_different_chunks_is_written_in_order_and_the_later_wins(
    sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """Salesforce Help, "Error 'Duplicate Id Specified' or CSV with duplicate records on update or
    upsert": rows in separate batches each update the record, the last one's values remain.
    https://help.salesforce.com/s/articleView?id=000384876&type=1
    """
    jobs = Jobs(sandbox, http)
    rows = [(f"FAR-{n}", f"row {n}") for n in range(3000)]
    rows.append(("FAR-0", "last"))
    info = jobs.run(_csv(rows, "\n"))
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (3001, 0)
    saved = [
        r
        for r in sandbox.records("QuickBooks_Invoice__c")
        if r["QuickBooks_Invoice_Id__c"] == "FAR-0"
    ]
    assert [r["Name"] for r in saved] == ["last"]


def test_unprocessed_records_are_read_at_the_documented_lower_case_path(
    sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """Bulk API 2.0 Developer Guide, "Get Job Unprocessed Record Results":
    GET /services/data/vXX.X/jobs/ingest/jobId/unprocessedrecords/
    https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_unprocessed_results.htm
    """
    jobs = Jobs(sandbox, http)
    info = jobs.run(_csv([("UP-1", "1")], "\n"))
    assert jobs.results(info["id"], "unprocessedrecords") == []
