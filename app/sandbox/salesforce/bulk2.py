"""Bulk API 2.0 ingest jobs: create, upload CSV once, close or abort, poll, read the results.

Columns are matched by header name, in any order; `Relationship__r.ExtField` headers set a lookup
by the parent's external id. An empty cell leaves the field unchanged and `#N/A` clears it. A closed
job is processed when it is next polled (reported InProgress) and complete on the poll after that;
asking for results first finishes it at once.

Documented behaviours implemented here:
- The data's line endings must be the job's `lineEnding` (LF unless the job says CRLF); otherwise
  the upload is accepted and the job ends Failed with "ClientInputError : LineEnding is invalid on
  user data. Current LineEnding setting is LF", nothing written. Bulk API 2.0 Developer Guide,
  "Line Ending Header",
  https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/bulk_api_2_0_line_ending_header.htm
- Job data is processed in internal batches of 10,000 records, each in chunks of 200 records, one
  transaction per chunk: "Understanding Bulk API 2.0 Ingest",
  https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_bulk_v2/datafiles_understanding_bulk2_ingest.htm
  and Bulk API "Batch processing time" (chunks of 200 records from API version 21.0).
- The same external id twice in one chunk fails both rows with DUPLICATE_VALUE "Duplicate external
  id specified: …"; in different chunks the rows are written in order and the later one wins.
  Salesforce Help, "Error 'Duplicate Id Specified' or CSV with duplicate records on update or
  upsert", https://help.salesforce.com/s/articleView?id=000384876&type=1
- Unprocessed records are read at `…/unprocessedrecords/`: Bulk API 2.0 Developer Guide,
  "Get Job Unprocessed Record Results",
  https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_unprocessed_results.htm
"""

from __future__ import annotations

import csv
import io
import math
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from app.sandbox.salesforce import ids
from app.sandbox.salesforce.calls import Call, Reply
from app.sandbox.salesforce.errors import ApiError, RecordError, not_found
from app.sandbox.salesforce.limits import ApiUsage
from app.sandbox.salesforce.org import Org
from app.sandbox.salesforce.schema import FieldDef, ObjectDef
from app.sandbox.salesforce.values import json_datetime
from app.sandbox.salesforce.writes import MultipleMatches, RowLock, Writer, no_lock

OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
NULL_CELL = "#N/A"
RECORDS_PER_BATCH = 10_000
#: Records per transaction inside a batch; duplicate external ids are found within one chunk.
RECORDS_PER_CHUNK = 200
#: Result resources by lower-cased name: the guide spells `unprocessedrecords`, while clients in
#: wide use against real orgs (simple-salesforce) send `unprocessedRecords`.
RESULT_KINDS = {
    "successfulresults": "successfulResults",
    "failedresults": "failedResults",
    "unprocessedrecords": "unprocessedRecords",
}


def _job_error(status: int, code: str, message: str) -> ApiError:
    return ApiError(status, code, message)


@dataclass
class Job:
    id: str
    operation: str
    object: ObjectDef
    external_id: FieldDef | None
    delimiter: str
    line_ending: str
    version: str
    created: str
    state: str = "Open"
    modstamp: str = ""
    data: str | None = None
    error_message: str | None = None
    header: list[str] = field(default_factory=list)
    successes: list[list[str]] = field(default_factory=list)
    failures: list[list[str]] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)
    lock: RowLock = no_lock

    def info(self, user_id: str, *, full: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object.name,
            "createdById": user_id,
            "createdDate": self.created,
            "systemModstamp": self.modstamp or self.created,
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.version),
            "contentUrl": f"services/data/v{self.version}/jobs/ingest/{self.id}/batches",
            "lineEnding": next(k for k, v in LINE_ENDINGS.items() if v == self.line_ending),
            "columnDelimiter": next(k for k, v in DELIMITERS.items() if v == self.delimiter),
        }
        if self.external_id is not None:
            out["externalIdFieldName"] = self.external_id.name
        if full:
            out.update(
                jobType="V2Ingest",
                numberRecordsProcessed=len(self.successes) + len(self.failures),
                numberRecordsFailed=len(self.failures),
                retries=0,
                totalProcessingTime=0,
                apiActiveProcessingTime=0,
                apexProcessingTime=0,
            )
            if self.error_message:
                out["errorMessage"] = self.error_message
        return out


class BulkIngest:
    def __init__(self, org: Org, writer: Writer, usage: ApiUsage) -> None:
        self.org = org
        self.schema = org.schema
        self.writer = writer
        self.usage = usage
        self.jobs: dict[str, Job] = {}
        self._lock = threading.RLock()

    def handle(self, call: Call) -> Reply:
        rest = call.segments[2:]
        if not rest and call.method == "POST":
            return self._create(call)
        if not rest and call.method == "GET":
            return self._list(call)
        if not rest:
            raise ApiError(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{call.method}' not allowed.")
        with self._lock:
            job = self.jobs.get(rest[0])
        if job is None:
            raise not_found()
        if len(rest) == 1:
            return self._job(call, job)
        if len(rest) == 2 and rest[1] == "batches" and call.method == "PUT":
            return self._upload(call, job)
        if len(rest) == 2 and call.method == "GET" and rest[1].lower() in RESULT_KINDS:
            return self._results(job, RESULT_KINDS[rest[1].lower()])
        raise not_found()

    # -- job lifecycle ---------------------------------------------------------------------------
    def _create(self, call: Call) -> Reply:
        body = call.json_object()
        operation = body.get("operation")
        if operation not in OPERATIONS:
            raise _job_error(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
        obj = self.schema.object(str(body.get("object", "")))
        if obj is None:
            raise _job_error(
                400, "INVALIDJOB", f"InvalidJob : Unable to find object: {body.get('object')}"
            )
        external_id = None
        if operation == "upsert":
            name = str(body.get("externalIdFieldName") or "")
            external_id = self.schema.field(obj, name)
            if external_id is None or not external_id.upsert_key:
                raise _job_error(
                    400,
                    "INVALIDJOB",
                    f"InvalidJob : Field name provided, {name} does not match an External ID, "
                    f"Salesforce Id, or indexed field for {obj.name}",
                )
        if body.get("contentType", "CSV") != "CSV":
            raise _job_error(400, "INVALIDJOB", "InvalidJob : contentType must be CSV")
        delimiter = DELIMITERS.get(str(body.get("columnDelimiter", "COMMA")))
        line_ending = LINE_ENDINGS.get(str(body.get("lineEnding", "LF")))
        if delimiter is None or line_ending is None:
            raise _job_error(
                400, "INVALIDJOB", "InvalidJob : unknown columnDelimiter or lineEnding"
            )
        job_id = ids.make("750", self.org.store.next_number("bulk_job_counter", 5_000_000))
        job = Job(
            id=job_id,
            operation=operation,
            object=obj,
            external_id=external_id,
            delimiter=delimiter,
            line_ending=line_ending,
            version=call.version,
            created=self._now(),
        )
        with self._lock:
            self.jobs[job_id] = job
        return Reply(200, job.info(self.org.user_id, full=False))

    def _now(self) -> str:
        return json_datetime(self.org.stamp())

    def _list(self, call: Call) -> Reply:
        with self._lock:
            jobs = sorted(self.jobs.values(), key=lambda j: j.id)
        return Reply(
            200,
            {
                "done": True,
                "records": [j.info(self.org.user_id, full=False) for j in jobs],
                "nextRecordsUrl": None,
            },
        )

    def _job(self, call: Call, job: Job) -> Reply:
        with self._lock:
            if call.method == "GET":
                self._advance(job)
                return Reply(200, job.info(self.org.user_id, full=True))
            if call.method == "DELETE":
                if job.state not in {"UploadComplete", "JobComplete", "Aborted", "Failed"}:
                    raise _job_error(
                        409, "INVALIDJOBSTATE", f"Cannot delete a job in state {job.state}"
                    )
                del self.jobs[job.id]
                return Reply(204)
            if call.method != "PATCH":
                raise ApiError(
                    405, "METHOD_NOT_ALLOWED", f"HTTP Method '{call.method}' not allowed."
                )
            wanted = call.json_object().get("state")
            if wanted == "UploadComplete" and job.state == "Open":
                job.state, job.lock = "UploadComplete", call.lock
            elif wanted == "Aborted" and job.state in {"Open", "UploadComplete", "InProgress"}:
                job.state = "Aborted"
                self._mark_unprocessed(job)
            else:
                raise _job_error(
                    409, "INVALIDJOBSTATE", f"Cannot change the state from {job.state} to {wanted}"
                )
            job.modstamp = self._now()
            return Reply(200, job.info(self.org.user_id, full=False))

    def _upload(self, call: Call, job: Job) -> Reply:
        with self._lock:
            if job.state != "Open":
                raise _job_error(409, "INVALIDJOBSTATE", f"Job state is {job.state}, not Open")
            if job.data is not None:
                raise _job_error(
                    409, "INVALIDJOBSTATE", "Data has already been uploaded for this job"
                )
            content_type = call.headers.get("Content-Type", "")
            if not content_type.startswith("text/csv"):
                raise ApiError(
                    400, "INVALIDCONTENTTYPE", f"Content-Type must be text/csv, not {content_type}"
                )
            try:
                job.data = call.raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise _job_error(400, "INVALIDBATCH", "CSV data must be UTF-8") from None
        return Reply(201)

    def _advance(self, job: Job) -> None:
        if job.state == "InProgress":
            job.state = "JobComplete"
            job.modstamp = self._now()
        elif job.state == "UploadComplete":
            self._process(job)
            if job.state == "UploadComplete":
                job.state = "InProgress"
            job.modstamp = self._now()

    def _finish(self, job: Job) -> None:
        while job.state in {"UploadComplete", "InProgress"}:
            self._advance(job)

    # -- processing ------------------------------------------------------------------------------
    def _rows(self, job: Job) -> list[list[str]]:
        reader = csv.reader(io.StringIO(job.data or "", newline=""), delimiter=job.delimiter)
        return [row for row in reader if row]

    def _mark_unprocessed(self, job: Job) -> None:
        rows = self._rows(job)
        if rows and not job.header:
            job.header = rows[0]
            job.unprocessed = rows[1:]

    def _fail(self, job: Job, message: str) -> None:
        job.state, job.error_message = "Failed", message

    def _columns(self, job: Job) -> list[tuple[str, FieldDef | None, FieldDef | None]] | None:
        """Per header: (name in the body, field, parent external id field for `Rel.Ext` headers)."""
        columns = []
        for name in job.header:
            rel, dot, ext_name = name.partition(".")
            if dot:
                lookup = self.schema.relationship(job.object, rel)
                parent = self.schema.parent(lookup) if lookup else None
                ext = self.schema.field(parent, ext_name) if parent else None
                if lookup is None or ext is None or not ext.upsert_key:
                    self._fail(job, f"InvalidBatch : Field name not found : {name}")
                    return None
                columns.append((lookup.relationship_name or rel, lookup, ext))
                continue
            f = self.schema.field(job.object, name)
            if f is None:
                self._fail(job, f"InvalidBatch : Field name not found : {name}")
                return None
            columns.append((f.name, f, None))
        return columns

    def _process(self, job: Job) -> None:
        if not job.data or not job.data.strip():
            self._fail(job, "InvalidBatch : No data uploaded")
            return
        if not _line_endings_match(job.data, job.line_ending):
            setting = next(k for k, v in LINE_ENDINGS.items() if v == job.line_ending)
            self._fail(
                job,
                "ClientInputError : LineEnding is invalid on user data. "
                f"Current LineEnding setting is {setting}",
            )
            self._mark_unprocessed(job)
            return
        rows = self._rows(job)
        job.header, body_rows = rows[0], rows[1:]
        columns = self._columns(job)
        if columns is None:
            job.unprocessed = body_rows
            return
        if job.operation in {"update", "delete", "hardDelete"} and "Id" not in {
            c[1].name for c in columns if c[1] is not None and c[2] is None
        }:
            self._fail(job, "InvalidBatch : Field name not found : Id")
            job.unprocessed = body_rows
            return
        self.usage.count_bulk_batches(max(1, math.ceil(len(body_rows) / RECORDS_PER_BATCH)))
        with self.org.store.lock:
            for start in range(0, len(body_rows), RECORDS_PER_CHUNK):
                chunk = body_rows[start : start + RECORDS_PER_CHUNK]
                repeated = self._repeated_keys(job, columns, chunk)
                for row in chunk:
                    self._process_row(job, columns, row, repeated)

    def _repeated_keys(
        self,
        job: Job,
        columns: list[tuple[str, FieldDef | None, FieldDef | None]],
        rows: list[list[str]],
    ) -> set[str]:
        ext = job.external_id
        if job.operation != "upsert" or ext is None:
            return set()
        index = next((i for i, c in enumerate(columns) if c[1] is ext and c[2] is None), None)
        if index is None:
            return set()
        counts = Counter(
            self._key(ext, row[index]) for row in rows if index < len(row) and row[index]
        )
        return {key for key, count in counts.items() if count > 1}

    @staticmethod
    def _key(ext: FieldDef, value: str) -> str:
        return ext.match_key(value)

    def _process_row(
        self,
        job: Job,
        columns: list[tuple[str, FieldDef | None, FieldDef | None]],
        row: list[str],
        repeated: set[str],
    ) -> None:
        body: dict[str, Any] = {}
        for (name, f, ext), cell in zip(columns, row, strict=False):
            if cell == "":
                continue
            value = None if cell == NULL_CELL else cell
            if ext is not None:
                body[name] = {ext.name: value}
            elif f is not None:
                body[f.name] = value
        record_id = str(body.get("Id") or "")
        try:
            with self.org.store.transaction():
                created = self._write(job, body, repeated)
        except RecordError as exc:
            job.failures.append([ids.normalise(record_id) or "", exc.for_bulk(), *row])
            return
        job.successes.append([created[0], "true" if created[1] else "false", *row])

    def _write(self, job: Job, body: dict[str, Any], repeated: set[str]) -> tuple[str, bool]:
        obj, lock = job.object, job.lock
        if job.operation == "insert":
            return self.writer.create(obj, body, lock), True
        if job.operation == "upsert":
            ext = job.external_id
            assert ext is not None
            value = body.get(ext.name)
            if value in (None, ""):
                raise RecordError("MISSING_ARGUMENT", f"{ext.name} not specified", [ext.name])
            if self._key(ext, str(value)) in repeated:
                raise RecordError(
                    "DUPLICATE_VALUE", f"Duplicate external id specified: {value}", [ext.name]
                )
            try:
                return self.writer.upsert(obj, ext, value, body, lock)
            except MultipleMatches as exc:
                raise RecordError(
                    "DUPLICATE_EXTERNAL_ID",
                    f"{ext.name}: more than one record found for external id field: "
                    f"[{', '.join(exc.ids)}]",
                    [ext.name],
                ) from None
        record_id = body.pop("Id", None)
        if not record_id:
            raise RecordError("MISSING_ARGUMENT", "Id not specified", ["Id"])
        if job.operation == "update":
            self.writer.update(obj, record_id, body, lock)
        else:
            self.writer.delete(obj, record_id, lock, hard=job.operation == "hardDelete")
        return ids.normalise(record_id) or record_id, False

    # -- results ---------------------------------------------------------------------------------
    def _results(self, job: Job, kind: str) -> Reply:
        with self._lock:
            self._finish(job)
            out = io.StringIO()
            writer = csv.writer(
                out, delimiter=job.delimiter, lineterminator=job.line_ending, quoting=csv.QUOTE_ALL
            )
            if kind == "successfulResults":
                writer.writerow(["sf__Id", "sf__Created", *job.header])
                writer.writerows(job.successes)
            elif kind == "failedResults":
                writer.writerow(["sf__Id", "sf__Error", *job.header])
                writer.writerows(job.failures)
            else:
                writer.writerow(job.header)
                writer.writerows(job.unprocessed)
        return Reply(200, out.getvalue(), content_type="text/csv")


def _line_endings_match(data: str, line_ending: str) -> bool:
    """Every row ends the way the job declared: no CRLF in an LF job, no bare LF in a CRLF job.
    Line breaks inside quoted values are data, not row ends."""
    wanted = line_ending == "\r\n"
    for match in _QUOTED_OR_NEWLINE.finditer(data):
        text = match.group()
        if text[0] != '"' and (text == "\r\n") != wanted:
            return False
    return True


_QUOTED_OR_NEWLINE = re.compile(r'"[^"]*"|\r?\n')
