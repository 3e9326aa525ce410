"""The REST API under /services/data/vNN.N/: routing, query, describe, single records, limits.

Collections, Composite and Bulk 2.0 live in their own modules; this router hands them their calls.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from app.sandbox.salesforce import ids, record_types, values
from app.sandbox.salesforce.bulk2 import BulkIngest
from app.sandbox.salesforce.calls import Call, Reply
from app.sandbox.salesforce.composite import Composite
from app.sandbox.salesforce.describe import (
    global_describe,
    object_describe,
    object_summary,
    record_json,
)
from app.sandbox.salesforce.duplicate_rules import SaveOptions
from app.sandbox.salesforce.errors import ApiError, RecordError, not_found
from app.sandbox.salesforce.limits import ApiUsage
from app.sandbox.salesforce.org import Org
from app.sandbox.salesforce.query import DEFAULT_BATCH, QueryEngine
from app.sandbox.salesforce.schema import FieldDef, ObjectDef
from app.sandbox.salesforce.sobject_collections import Collections
from app.sandbox.salesforce.writes import MultipleMatches, Writer

#: Since API 46.0 an upsert that updates answers 200 with a body instead of 204.
UPSERT_BODY_SINCE = 46.0


def method_not_allowed(method: str, allowed: str) -> ApiError:
    return ApiError(
        405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {allowed}"
    )


def batch_size(headers: Any) -> int:
    """The page size asked for with `Sforce-Query-Options: batchSize=N`."""
    options = headers.get("Sforce-Query-Options", "") if headers else ""
    for part in options.split(","):
        key, _, value = part.strip().partition("=")
        if key.strip() == "batchSize" and value.strip().isdigit():
            return int(value)
    return DEFAULT_BATCH


class RestApi:
    def __init__(self, org: Org, usage: ApiUsage) -> None:
        self.org = org
        self.schema = org.schema
        self.writer = Writer(org)
        self.queries = QueryEngine(org)
        self.usage = usage
        self.collections = Collections(org, self.writer)
        self.composite = Composite(org, self.handle)
        self.bulk = BulkIngest(org, self.writer, usage)

    def handle(self, call: Call) -> Reply:
        try:
            return self._route(call)
        except RecordError as exc:
            return Reply.error(exc.as_api_error())
        except ApiError as exc:
            return Reply.error(exc)

    def _route(self, call: Call) -> Reply:
        head = call.segments[0] if call.segments else ""
        routes: dict[str, Callable[[Call], Reply]] = {
            "": self._resources,
            "query": self._query,
            "queryAll": self._query,
            "sobjects": self._sobjects,
            "limits": self._limits,
            "composite": self._composite,
            "jobs": self._jobs,
        }
        handler = routes.get(head)
        if handler is None:
            raise not_found()
        return handler(call)

    # -- small resources -------------------------------------------------------------------------
    def _resources(self, call: Call) -> Reply:
        base = f"/services/data/v{call.version}"
        names = ("sobjects", "query", "queryAll", "limits", "composite", "jobs/ingest")
        return Reply(200, {name: f"{base}/{name}" for name in names})

    def _limits(self, call: Call) -> Reply:
        if call.method != "GET":
            raise method_not_allowed(call.method, "GET,HEAD")
        return Reply(200, self.usage.limits())

    def _composite(self, call: Call) -> Reply:
        if call.segments[1:2] == ["sobjects"]:
            return self.collections.handle(call)
        if len(call.segments) == 1:
            return self.composite.handle(call)
        raise not_found()

    def _jobs(self, call: Call) -> Reply:
        if call.segments[1:2] == ["ingest"]:
            return self.bulk.handle(call)
        raise not_found()

    # -- query -----------------------------------------------------------------------------------
    def _query(self, call: Call) -> Reply:
        if call.method != "GET":
            raise method_not_allowed(call.method, "GET,HEAD")
        include_deleted = call.segments[0] == "queryAll"
        if len(call.segments) == 2:
            return Reply(200, self.queries.more(call.segments[1], call.version))
        if len(call.segments) > 2:
            raise not_found()
        text = call.args.get("q")
        if not text:
            raise ApiError(400, "MALFORMED_QUERY", "A query string is required: ?q=SELECT ...")
        body = self.queries.run(
            text,
            include_deleted=include_deleted,
            version=call.version,
            batch=batch_size(call.headers),
        )
        return Reply(200, body)

    # -- sobjects --------------------------------------------------------------------------------
    def _sobjects(self, call: Call) -> Reply:
        parts = call.segments[1:]
        if not parts:
            if call.method != "GET":
                raise method_not_allowed(call.method, "GET,HEAD")
            return Reply(200, global_describe(self.schema, call.version))
        obj = self.org.object(parts[0])
        if len(parts) == 1:
            return self._sobject_root(call, obj)
        if len(parts) == 2 and parts[1] == "describe":
            types = record_types.infos(self.org, obj)
            return Reply(200, object_describe(self.schema, obj, call.version, types))
        if len(parts) == 2 and parts[1] in {"updated", "deleted"}:
            return self._changes(call, obj, parts[1])
        if len(parts) == 2:
            return self._record(call, obj, parts[1])
        if len(parts) == 3:
            return self._by_external_id(call, obj, parts[1], parts[2])
        raise not_found()

    def _sobject_root(self, call: Call, obj: ObjectDef) -> Reply:
        if call.method == "GET":
            return Reply(
                200, {"objectDescribe": object_summary(obj, call.version), "recentItems": []}
            )
        if call.method != "POST":
            raise method_not_allowed(call.method, "GET,HEAD,POST")
        body = call.json_object()
        with self.org.store.transaction():
            record_id = self.writer.create(
                obj, body, call.lock, SaveOptions.from_headers(call.headers, call.version)
            )
        location = {"Location": f"/services/data/v{call.version}/sobjects/{obj.name}/{record_id}"}
        return Reply(201, {"id": record_id, "success": True, "errors": []}, location)

    def _fields_arg(self, call: Call, obj: ObjectDef) -> list[FieldDef] | None:
        wanted = call.args.get("fields")
        if not wanted:
            return None
        chosen = []
        for name in wanted.split(","):
            f = self.schema.field(obj, name.strip())
            if f is None:
                raise ApiError(
                    400,
                    "INVALID_FIELD",
                    f"No such column '{name.strip()}' on sobject of type {obj.name}",
                )
            chosen.append(f)
        return chosen

    def _record(self, call: Call, obj: ObjectDef, raw_id: str) -> Reply:
        if call.method == "GET":
            record_id = ids.normalise(raw_id)
            if record_id is None or ids.prefix_of(record_id) != obj.key_prefix:
                raise ApiError(
                    404,
                    "NOT_FOUND",
                    f"Provided external ID field does not exist or is not accessible: {raw_id}",
                )
            row = self.writer.existing(obj, record_id)
            return Reply(
                200, record_json(self.schema, obj, row, call.version, self._fields_arg(call, obj))
            )
        if call.method == "PATCH":
            body = call.json_object()
            with self.org.store.transaction():
                self.writer.update(obj, raw_id, body, call.lock)
            return Reply(204)
        if call.method == "DELETE":
            with self.org.store.transaction():
                self.writer.delete(obj, raw_id, call.lock)
            return Reply(204)
        raise method_not_allowed(call.method, "GET,HEAD,PATCH,DELETE")

    def _by_external_id(self, call: Call, obj: ObjectDef, field_name: str, value: str) -> Reply:
        f = self.writer.upsert_field(obj, field_name)
        if call.method == "PATCH":
            return self._upsert(call, obj, f, value)
        found = self.writer.matches(obj, f, value)
        if len(found) > 1:
            return self._multiple(obj, found, call.version)
        if not found:
            raise not_found()
        if call.method == "GET":
            row = self.writer.existing(obj, found[0])
            return Reply(
                200, record_json(self.schema, obj, row, call.version, self._fields_arg(call, obj))
            )
        if call.method == "DELETE":
            with self.org.store.transaction():
                self.writer.delete(obj, found[0], call.lock)
            return Reply(204)
        raise method_not_allowed(call.method, "GET,HEAD,PATCH,DELETE")

    def _upsert(self, call: Call, obj: ObjectDef, f: FieldDef, value: str) -> Reply:
        body = call.json_object()
        # "Do not specify Id or an external ID field in the request body or an error is
        # generated": REST API Developer Guide, "Upsert Records Using sObject Rows by External ID",
        # https://developer.salesforce.com/docs/atlas.en-us.238.0.api_rest.meta/api_rest/resources_sobject_upsert_patch.htm
        named = [k for k in body if k.lower() in {f.name.lower(), "id"}]
        if named:
            raise RecordError(
                "INVALID_FIELD",
                f"The field {named[0]} can't be in the request body: the URL names the record "
                f"by {f.name}",
                [named[0]],
            )
        try:
            with self.org.store.transaction():
                record_id, created = self.writer.upsert(
                    obj,
                    f,
                    value,
                    body,
                    call.lock,
                    SaveOptions.from_headers(call.headers, call.version),
                )
        except MultipleMatches as exc:
            return self._multiple(obj, exc.ids, call.version)
        location = {"Location": f"/services/data/v{call.version}/sobjects/{obj.name}/{record_id}"}
        result = {"id": record_id, "success": True, "errors": [], "created": created}
        if created:
            return Reply(201, result, location)
        if float(call.version) < UPSERT_BODY_SINCE:
            return Reply(204)
        return Reply(200, result, location)

    def _multiple(self, obj: ObjectDef, found: list[str], version: str) -> Reply:
        return Reply(300, [f"/services/data/v{version}/sobjects/{obj.name}/{i}" for i in found])

    def _changes(self, call: Call, obj: ObjectDef, kind: str) -> Reply:
        if call.method != "GET":
            raise method_not_allowed(call.method, "GET,HEAD")
        try:
            start = values.parse_datetime(call.args["start"])
            end = values.parse_datetime(call.args["end"])
        except (KeyError, ValueError):
            raise ApiError(
                400, "INVALID_REPLICATION_DATE", "start and end must be valid dateTimes"
            ) from None
        oldest = datetime.now(UTC) - timedelta(days=30)
        if end <= start or start < oldest - timedelta(minutes=1):
            raise ApiError(
                400, "INVALID_REPLICATION_DATE", "start must be before end and within 30 days"
            )
        low, high = values.stored_datetime(start), values.stored_datetime(end)
        covered = values.json_datetime(values.stored_datetime(end.replace(second=0, microsecond=0)))
        deleted = int(kind == "deleted")
        rows = self.org.store.select(
            f'SELECT Id, SystemModstamp FROM "{obj.name}" '  # noqa: S608 - a schema name
            "WHERE IsDeleted = ? AND SystemModstamp >= ? AND SystemModstamp <= ? ORDER BY Id",
            (deleted, low, high),
        )
        if kind == "updated":
            return Reply(200, {"ids": [r[0] for r in rows], "latestDateCovered": covered})
        return Reply(
            200,
            {
                "deletedRecords": [
                    {"id": r[0], "deletedDate": values.json_datetime(r[1])} for r in rows
                ],
                "earliestDateAvailable": values.json_datetime(values.stored_datetime(oldest)),
                "latestDateCovered": covered,
            },
        )
