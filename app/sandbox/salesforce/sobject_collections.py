"""sObject Collections: create, update, upsert, retrieve and delete up to 200 records per call.

Results come back in request order and always with 200; per-record errors use `statusCode`. With
`allOrNone` one failure rolls every record back and the others report
ALL_OR_NONE_OPERATION_ROLLED_BACK.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from app.sandbox.salesforce import ids
from app.sandbox.salesforce.calls import Call, Reply
from app.sandbox.salesforce.describe import record_json
from app.sandbox.salesforce.duplicate_rules import SaveOptions
from app.sandbox.salesforce.errors import ApiError, RecordError, not_found
from app.sandbox.salesforce.org import Org
from app.sandbox.salesforce.schema import FieldDef, ObjectDef
from app.sandbox.salesforce.writes import MultipleMatches, Writer

MAX_RECORDS = 200
ROLLED_BACK = RecordError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone "
    "header",
)


class _Item:
    """One record's outcome."""

    def __init__(self, record_id: str | None = None) -> None:
        self.id = record_id
        self.error: RecordError | None = None
        self.created: bool | None = None

    def result(self, *, upsert: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.id is not None and (self.error is None or self.created is not True):
            out["id"] = self.id
        if self.error is None:
            out.update(success=True, errors=[])
            if upsert:
                out["created"] = bool(self.created)
            return out
        out.update(success=False, errors=[self.error.for_collections()])
        return out


def too_many(count: int) -> ApiError:
    return ApiError(
        400,
        "EXCEEDED_ID_LIMIT",
        f"record limit reached. cannot submit more than {MAX_RECORDS} records into this call "
        f"({count} given)",
    )


class Collections:
    def __init__(self, org: Org, writer: Writer) -> None:
        self.org = org
        self.schema = org.schema
        self.writer = writer

    def handle(self, call: Call) -> Reply:
        rest = call.segments[2:]
        if not rest and call.method == "POST":
            return self._write(call, self._records(call), self._create, upsert=False)
        if not rest and call.method == "PATCH":
            return self._write(call, self._records(call), self._update, upsert=False)
        if not rest and call.method == "DELETE":
            return self._delete(call)
        if len(rest) == 1 and call.method in {"GET", "POST"}:
            return self._retrieve(call, self.org.object(rest[0]))
        if len(rest) == 2 and call.method == "PATCH":
            obj = self.org.object(rest[0])
            ext = self.schema.field(obj, rest[1])
            if ext is None or not ext.upsert_key:
                raise ApiError(
                    400,
                    "INVALID_FIELD",
                    f"Field name provided, {rest[1]} is not an External ID or indexed field for "
                    f"{obj.name}",
                )
            batch = self._records(call)
            return self._write(call, batch, self._upserter(obj, ext, batch[0]), upsert=True)
        raise not_found()

    # -- writes ----------------------------------------------------------------------------------
    def _records(self, call: Call) -> tuple[list[Any], bool]:
        body = call.json_object()
        records = body.get("records")
        if not isinstance(records, list):
            raise ApiError(400, "JSON_PARSER_ERROR", "The request body needs a 'records' list")
        if len(records) > MAX_RECORDS:
            raise too_many(len(records))
        return records, bool(body.get("allOrNone", False))

    def _write(
        self,
        call: Call,
        batch: tuple[list[Any], bool],
        one: Callable[[Any, _Item, Call], None],
        *,
        upsert: bool,
    ) -> Reply:
        records, all_or_none = batch
        items = [_Item() for _ in records]
        store = self.org.store
        with store.transaction() as outer:
            for record, item in zip(records, items, strict=True):
                try:
                    with store.transaction():
                        one(record, item, call)
                except RecordError as exc:
                    item.error = exc
                except MultipleMatches as exc:
                    item.error = RecordError(
                        "DUPLICATE_EXTERNAL_ID",
                        f"more than one record found for external id field: [{', '.join(exc.ids)}]",
                    )
            if all_or_none and any(item.error for item in items):
                outer.rollback()
                for item in items:
                    if item.error is None:
                        item.error = ROLLED_BACK
        return Reply(200, [item.result(upsert=upsert) for item in items])

    def _typed(self, record: Any) -> tuple[ObjectDef, dict[str, Any]]:
        if not isinstance(record, dict):
            raise RecordError("JSON_PARSER_ERROR", "Each record must be a JSON object")
        type_name = (record.get("attributes") or {}).get("type")
        if not type_name:
            raise RecordError("INVALID_TYPE", "Must send a concrete entity type.")
        obj = self.schema.object(type_name)
        if obj is None:
            raise RecordError("INVALID_TYPE", f"sObject type '{type_name}' is not supported.")
        return obj, record

    def _create(self, record: Any, item: _Item, call: Call) -> None:
        obj, body = self._typed(record)
        options = SaveOptions.from_headers(call.headers, call.version)
        item.id = self.writer.create(obj, body, call.lock, options)
        item.created = True

    def _update(self, record: Any, item: _Item, call: Call) -> None:
        obj, body = self._typed(record)
        raw_id = body.get("Id")
        if not raw_id:
            raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call")
        item.id = ids.normalise(raw_id) if isinstance(raw_id, str) else None
        rest = {k: v for k, v in body.items() if k != "Id"}
        self.writer.update(obj, raw_id, rest, call.lock)

    def _upserter(
        self, obj: ObjectDef, ext: FieldDef, records: list[Any]
    ) -> Callable[[Any, _Item, Call], None]:
        """Upserts one record; a value given twice in the same call fails both records with
        DUPLICATE_VALUE, checked per request only (Salesforce Help, "Error 'Duplicate Id Specified'
        or CSV with duplicate records on update or upsert",
        https://help.salesforce.com/s/articleView?id=000384876&type=1)."""
        counts = Counter(
            ext.match_key(str(r.get(ext.name)))
            for r in records
            if isinstance(r, dict) and r.get(ext.name) not in (None, "")
        )

        def one(record: Any, item: _Item, call: Call) -> None:
            if not isinstance(record, dict):
                raise RecordError("JSON_PARSER_ERROR", "Each record must be a JSON object")
            type_name = (record.get("attributes") or {}).get("type")
            if type_name and type_name.lower() != obj.name.lower():
                raise RecordError("INVALID_TYPE", f"Record type {type_name} is not {obj.name}")
            value = record.get(ext.name)
            if value in (None, ""):
                raise RecordError("MISSING_ARGUMENT", f"{ext.name} not specified", [ext.name])
            if counts[ext.match_key(str(value))] > 1:
                raise RecordError(
                    "DUPLICATE_VALUE", f"Duplicate external id specified: {value}", [ext.name]
                )
            options = SaveOptions.from_headers(call.headers, call.version)
            item.id, item.created = self.writer.upsert(obj, ext, value, record, call.lock, options)

        return one

    # -- retrieve and delete ---------------------------------------------------------------------
    def _retrieve(self, call: Call, obj: ObjectDef) -> Reply:
        if call.method == "POST":
            body = call.json_object()
            wanted, names = body.get("ids") or [], body.get("fields") or []
        else:
            wanted = [i for i in call.args.get("ids", "").split(",") if i]
            names = [n for n in call.args.get("fields", "").split(",") if n]
        if not names:
            raise ApiError(400, "MISSING_ARGUMENT", "fields is required")
        if len(wanted) > 2000:
            raise too_many(len(wanted))
        fields = []
        for name in names:
            f = self.schema.field(obj, name.strip())
            if f is None:
                raise ApiError(
                    400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}"
                )
            fields.append(f)
        out: list[Any] = []
        for raw in wanted:
            record_id = ids.normalise(raw)
            row = self.org.store.get(obj, record_id) if record_id else None
            live = row is not None and not row["IsDeleted"]
            out.append(record_json(self.schema, obj, row, call.version, fields) if live else None)
        return Reply(200, out)

    def _delete(self, call: Call) -> Reply:
        wanted = [i for i in call.args.get("ids", "").split(",") if i]
        if len(wanted) > MAX_RECORDS:
            raise too_many(len(wanted))
        items = [_Item(ids.normalise(raw) or raw) for raw in wanted]
        store = self.org.store
        with store.transaction() as outer:
            for raw, item in zip(wanted, items, strict=True):
                try:
                    with store.transaction():
                        obj = self.schema.by_prefix(ids.prefix_of(raw))
                        if obj is None:
                            raise RecordError("MALFORMED_ID", f"malformed id {raw}", ["Id"])
                        self.writer.delete(obj, raw, call.lock)
                except RecordError as exc:
                    item.error = exc
            if call.flag("allOrNone") and any(item.error for item in items):
                outer.rollback()
                for item in items:
                    if item.error is None:
                        item.error = ROLLED_BACK
        return Reply(200, [item.result(upsert=False) for item in items])
