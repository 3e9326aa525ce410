"""The Salesforce operations the engine needs, over simple-salesforce and one TokenSession."""

from __future__ import annotations

import csv
import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests
from simple_salesforce import Salesforce

from app.salesforce.errors import SalesforceError, from_body, from_response
from app.salesforce.retry import retry_locked_records, with_retries
from app.salesforce.session import TokenSession
from app.salesforce.soql import MAX_URI_BYTES, in_chunks

log = logging.getLogger(__name__)

API_VERSION = "62.0"
COLLECTION_SIZE = 200
QUERY_BATCH = 2000
_BATCH_HEADER = {"Sforce-Query-Options": f"batchSize={QUERY_BATCH}"}
#: A Composite call holds at most five query or sObject Collections subrequests
#: (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm).
COMPOSITE_QUERIES = 5
DUPLICATE_RULE_HEADER = "Sforce-Duplicate-Rule-Header"


@dataclass
class BulkResult:
    """A finished ingest job. Result rows are read lazily: a 100,000-row job stays small."""

    job_id: str
    state: str
    error_message: str | None = None
    _client: SalesforceClient | None = field(default=None, repr=False)

    def successful(self) -> Iterator[dict[str, str]]:
        return self._rows("successfulResults")

    def failed(self) -> Iterator[dict[str, str]]:
        return self._rows("failedResults")

    def unprocessed(self) -> Iterator[dict[str, str]]:
        return self._rows("unprocessedrecords")

    def _rows(self, kind: str) -> Iterator[dict[str, str]]:
        if self._client is None or self.state not in {"JobComplete", "Failed"}:
            return iter(())
        return self._client.stream_csv(f"jobs/ingest/{self.job_id}/{kind}/")


class SalesforceClient:
    def __init__(
        self, instance_url: str, session: TokenSession, *, version: str = API_VERSION
    ) -> None:
        self.instance_url = instance_url.rstrip("/")
        self.session = session
        self.version = version
        self.sf = Salesforce(
            instance_url=self.instance_url,
            session_id=session.access_token,
            session=session,
            version=version,
        )
        self.base = f"{self.instance_url}/services/data/v{version}/"
        self.write_calls = 0
        self.read_calls = 0
        #: Write calls by object; a Composite call, whose objects are not looked into, as "*".
        self.written: Counter[str] = Counter()

    # -- plumbing -----------------------------------------------------------------------------
    def _http(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        def call() -> requests.Response:
            response = self.session.request(method, self.base + path, **kwargs)
            if response.status_code >= 400:
                raise from_response(response)
            return response

        return with_retries(f"{method} {path}", call)

    # -- reads --------------------------------------------------------------------------------
    def query_pages(self, soql: str, *, include_deleted: bool = False) -> Iterator[list[dict]]:
        self.read_calls += 1
        result = with_retries(
            "query",
            lambda: self.sf.query(soql, include_deleted=include_deleted, headers=_BATCH_HEADER),
        )
        yield from self._pages_from(result)

    def _pages_from(self, result: dict[str, Any]) -> Iterator[list[dict]]:
        """A query's records page by page, from its first answer on through its locator."""
        while True:
            yield [_strip(r) for r in result["records"]]
            if result.get("done", True) or not result.get("nextRecordsUrl"):
                return
            url = result["nextRecordsUrl"]
            self.read_calls += 1
            result = with_retries(
                "query", lambda url=url: self.sf.query_more(url, identifier_is_url=True)
            )

    def query_all(self, soql: str) -> list[dict]:
        return [r for page in self.query_pages(soql) for r in page]

    def query_many(self, soqls: Sequence[str]) -> list[list[dict]]:
        """Each query's records, in the order asked: up to five queries to a Composite call,
        so five figures cost one round trip and one API call; the calls are sent at once."""
        batches = [
            soqls[i : i + COMPOSITE_QUERIES] for i in range(0, len(soqls), COMPOSITE_QUERIES)
        ]
        if len(batches) <= 1:
            answers = [self._query_batch(batch) for batch in batches]
        else:
            with ThreadPoolExecutor(len(batches), thread_name_prefix="sf-queries") as pool:
                answers = list(pool.map(self._query_batch, batches))
        return [records for answer in answers for records in answer]

    def _query_batch(self, soqls: Sequence[str]) -> list[list[dict]]:
        subrequests = [
            {
                "method": "GET",
                "url": f"/services/data/v{self.version}/query/?{urlencode({'q': soql})}",
                "referenceId": f"query{number}",
                "httpHeaders": _BATCH_HEADER,
            }
            for number, soql in enumerate(soqls)
        ]
        self.read_calls += 1
        response = self._http(
            "POST", "composite", json={"allOrNone": False, "compositeRequest": subrequests}
        )
        found: list[list[dict]] = []
        for answer in response.json()["compositeResponse"]:
            status = int(answer["httpStatusCode"])
            if status >= 300:
                raise from_body(status, answer["body"])
            found.append([r for page in self._pages_from(answer["body"]) for r in page])
        return found

    def query_in_pages(
        self, template: str, values: Iterable[str], *, include_deleted: bool = False
    ) -> Iterator[list[dict]]:
        """Pages of `template` (with an `IN (:values)` marker) over all `values`, in as many
        queries as it takes for each request URI to stay under Salesforce's limit."""
        resource = "queryAll/?q=" if include_deleted else "query/?q="
        room = MAX_URI_BYTES - len(self.base + resource)
        for soql in in_chunks(template, values, room=room):
            yield from self.query_pages(soql, include_deleted=include_deleted)

    def query_in(self, template: str, values: Iterable[str]) -> list[dict]:
        return [r for page in self.query_in_pages(template, values) for r in page]

    def describe(self, sobject: str) -> dict[str, Any] | None:
        self.read_calls += 1
        try:
            return self._http("GET", f"sobjects/{sobject}/describe").json()
        except SalesforceError as error:
            if error.code == "NOT_FOUND" or error.http_status == 404:
                return None
            raise

    def limits(self) -> dict[str, Any]:
        self.read_calls += 1
        return self._http("GET", "limits/").json()

    def deleted(self, sobject: str, start: datetime, end: datetime) -> dict[str, Any]:
        """sObject Get Deleted: `deletedRecords`, `earliestDateAvailable`, `latestDateCovered`."""
        self.read_calls += 1
        window = urlencode({"start": _iso(start), "end": _iso(end)})
        return self._http("GET", f"sobjects/{sobject}/deleted/?{window}").json()

    # -- writes -------------------------------------------------------------------------------
    def upsert(
        self,
        sobject: str,
        external_field: str,
        records: Sequence[dict[str, Any]],
        *,
        lock_retries: int = 0,
        allow_duplicates: bool = False,
    ) -> list[dict[str, Any]]:
        """sObject Collections upsert in calls of 200; per-record results in input order.

        Records refused with UNABLE_TO_LOCK_ROW are sent again up to `lock_retries` times;
        `allow_duplicates` saves a record a duplicate rule only warns about."""
        return self._collection_writes(
            f"composite/sobjects/{sobject}/{external_field}",
            sobject,
            records,
            lock_retries=lock_retries,
            allow_duplicates=allow_duplicates,
        )

    def update(
        self,
        sobject: str,
        records: Sequence[dict[str, Any]],
        *,
        lock_retries: int = 0,
        allow_duplicates: bool = False,
    ) -> list[dict[str, Any]]:
        """sObject Collections update by Id, in calls of 200."""
        return self._collection_writes(
            "composite/sobjects",
            sobject,
            records,
            lock_retries=lock_retries,
            allow_duplicates=allow_duplicates,
        )

    def create(
        self, sobject: str, records: Sequence[dict[str, Any]], *, lock_retries: int = 0
    ) -> list[dict[str, Any]]:
        """sObject Collections create, in calls of 200; for objects with no External ID field."""
        return self._collection_writes(
            "composite/sobjects",
            sobject,
            records,
            lock_retries=lock_retries,
            allow_duplicates=False,
            method="POST",
        )

    def _collection_writes(
        self,
        path: str,
        sobject: str,
        records: Sequence[dict[str, Any]],
        *,
        lock_retries: int,
        allow_duplicates: bool,
        method: str = "PATCH",
    ) -> list[dict[str, Any]]:
        # Record details name the matching record when a duplicate rule refuses a save.
        headers = {
            DUPLICATE_RULE_HEADER: f"allowSave={str(allow_duplicates).lower()}; "
            "includeRecordDetails=true"
        }

        def send(batch: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
            results: list[dict[str, Any]] = []
            for start in range(0, len(batch), COLLECTION_SIZE):
                chunk = [
                    {"attributes": {"type": sobject}, **r}
                    for r in batch[start : start + COLLECTION_SIZE]
                ]
                self.write_calls += 1
                self.written[sobject] += 1
                response = self._http(
                    method,
                    path,
                    json={"allOrNone": False, "records": chunk},
                    headers=headers,
                )
                results.extend(response.json())
            return results

        return retry_locked_records(records, send, lock_retries)

    def composite(
        self, subrequests: list[dict[str, Any]], *, all_or_none: bool = True
    ) -> list[dict[str, Any]]:
        self.write_calls += 1
        self.written["*"] += 1
        response = self._http(
            "POST",
            "composite",
            json={"allOrNone": all_or_none, "compositeRequest": subrequests},
        )
        return list(response.json()["compositeResponse"])

    # -- Bulk API 2.0 -------------------------------------------------------------------------
    def bulk_upsert(
        self,
        sobject: str,
        external_field: str,
        csv_file: Path,
        *,
        poll_s: float = 0.5,
        max_wait_s: float = 3600.0,
    ) -> BulkResult:
        """One ingest job: create, upload the CSV, close, wait, read the results."""
        job = self._http(
            "POST",
            "jobs/ingest/",
            json={
                "object": sobject,
                "operation": "upsert",
                "externalIdFieldName": external_field,
                "contentType": "CSV",
                "lineEnding": "LF",
                "columnDelimiter": "COMMA",
            },
        ).json()
        job_id = job["id"]
        self.write_calls += 1
        self.written[sobject] += 1
        with csv_file.open("rb") as data:
            upload = self.session.request(
                "PUT",
                f"{self.base}jobs/ingest/{job_id}/batches",
                data=data,
                headers={"Content-Type": "text/csv"},
            )
        self.write_calls += 1
        if upload.status_code != 201:
            self._http("PATCH", f"jobs/ingest/{job_id}/", json={"state": "Aborted"})
            raise from_response(upload)
        self._http("PATCH", f"jobs/ingest/{job_id}/", json={"state": "UploadComplete"})
        self.write_calls += 1
        deadline = time.monotonic() + max_wait_s
        state = "UploadComplete"
        info: dict[str, Any] = {}
        while state not in {"JobComplete", "Failed", "Aborted"}:
            if time.monotonic() > deadline:
                raise TimeoutError(f"Bulk job {job_id} did not finish in {max_wait_s:.0f} s")
            time.sleep(poll_s)
            info = self._http("GET", f"jobs/ingest/{job_id}/").json()
            self.read_calls += 1
            state = info["state"]
        return BulkResult(job_id, state, info.get("errorMessage"), self)

    def stream_csv(self, path: str) -> Iterator[dict[str, str]]:
        """A CSV result read row by row from the response stream."""
        self.read_calls += 1
        response = self._http("GET", path, stream=True)
        response.encoding = "utf-8"
        try:
            yield from csv.DictReader(response.iter_lines(decode_unicode=True))
        finally:
            response.close()


def _strip(record: dict[str, Any]) -> dict[str, Any]:
    """A query row without its `attributes`, parents flattened to their own dicts."""
    out = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        out[key] = _strip(value) if isinstance(value, dict) and "attributes" in value else value
    return out


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
