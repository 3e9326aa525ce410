# ruff: noqa: S608 - identifiers come from the schema and are quoted; every value is bound
"""SOQL against the org: a parsed query is checked against the schema, compiled to SQL, run once,
and served in pages through query locators (`nextRecordsUrl`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from app.sandbox.salesforce import ids, soql, values
from app.sandbox.salesforce.errors import ApiError
from app.sandbox.salesforce.org import Org
from app.sandbox.salesforce.schema import NUMBER_TYPES, FieldDef, ObjectDef
from app.sandbox.salesforce.soql import Aggregate, BoolOp, Compare, InList, Like, Literal, Not
from app.sandbox.salesforce.store import NOCASE, q

DEFAULT_BATCH = 2000
MIN_BATCH = 200
MAX_OFFSET = 2000
_OPEN_CURSORS = 100


def invalid_field(message: str) -> ApiError:
    return ApiError(400, "INVALID_FIELD", message)


def malformed(message: str) -> ApiError:
    return ApiError(400, "MALFORMED_QUERY", message)


@dataclass
class _Ref:
    """A field path resolved against the schema."""

    sql: str
    field: FieldDef
    rels: tuple[str, ...]  # relationship names from the root, canonical spelling


@dataclass
class _Join:
    alias: str
    obj: ObjectDef


@dataclass
class Shape:
    """How one SQL row becomes a JSON record."""

    root: ObjectDef
    columns: list[_Ref]
    joins: dict[tuple[str, ...], _Join]
    # position of each relationship's parent Id in the row, after the selected columns
    join_id_index: dict[tuple[str, ...], int] = field(default_factory=dict)

    def record(self, row: tuple[Any, ...], version: str) -> dict[str, Any]:
        record_id = row[0]
        out: dict[str, Any] = {"attributes": _attributes(self.root, record_id, version)}
        for index, ref in enumerate(self.columns, start=1):
            target: dict[str, Any] | None = out
            for depth in range(1, len(ref.rels) + 1):
                if target is None:
                    break
                rels = ref.rels[:depth]
                name = rels[-1]
                if name not in target:
                    parent_id = row[self.join_id_index[rels]]
                    target[name] = (
                        {"attributes": _attributes(self.joins[rels].obj, parent_id, version)}
                        if parent_id is not None
                        else None
                    )
                target = target[name]
            if target is not None:
                target[ref.field.name] = values.to_json(ref.field, row[index])
        return out


def _attributes(obj: ObjectDef, record_id: str, version: str) -> dict[str, str]:
    return {"type": obj.name, "url": f"/services/data/v{version}/sobjects/{obj.name}/{record_id}"}


@dataclass
class Cursor:
    locator: str
    endpoint: str
    rows: list[tuple[Any, ...]]
    shape: Shape
    batch: int


def _ascii(literal: Literal) -> bool:
    return literal.kind == "string" and str(literal.value).isascii()


def date_range(name: str, n: int, today: date) -> tuple[date, date]:
    """[start, end) of a SOQL date literal, with weeks starting on Sunday (en_US)."""
    week = today - timedelta(days=(today.weekday() + 1) % 7)

    def month(offset: int) -> date:
        index = today.year * 12 + today.month - 1 + offset
        return date(index // 12, index % 12 + 1, 1)

    year = date(today.year, 1, 1)
    day = timedelta(days=1)
    ranges: dict[str, Callable[[], tuple[date, date]]] = {
        "TODAY": lambda: (today, today + day),
        "YESTERDAY": lambda: (today - day, today),
        "TOMORROW": lambda: (today + day, today + 2 * day),
        "LAST_N_DAYS": lambda: (today - n * day, today + day),
        "NEXT_N_DAYS": lambda: (today + day, today + (n + 1) * day),
        "LAST_90_DAYS": lambda: (today - 90 * day, today + day),
        "NEXT_90_DAYS": lambda: (today + day, today + 91 * day),
        "THIS_WEEK": lambda: (week, week + 7 * day),
        "LAST_WEEK": lambda: (week - 7 * day, week),
        "NEXT_WEEK": lambda: (week + 7 * day, week + 14 * day),
        "LAST_N_WEEKS": lambda: (week - 7 * n * day, week),
        "NEXT_N_WEEKS": lambda: (week + 7 * day, week + 7 * (n + 1) * day),
        "THIS_MONTH": lambda: (month(0), month(1)),
        "LAST_MONTH": lambda: (month(-1), month(0)),
        "NEXT_MONTH": lambda: (month(1), month(2)),
        "LAST_N_MONTHS": lambda: (month(-n), month(0)),
        "NEXT_N_MONTHS": lambda: (month(1), month(n + 1)),
        "THIS_YEAR": lambda: (year, year.replace(year=today.year + 1)),
        "LAST_YEAR": lambda: (year.replace(year=today.year - 1), year),
        "NEXT_YEAR": lambda: (year.replace(year=today.year + 1), year.replace(year=today.year + 2)),
    }
    return ranges[name]()


_SOAP_NAMES = {
    "id": "id",
    "reference": "id",
    "boolean": "boolean",
    "currency": "double",
    "double": "double",
    "percent": "double",
    "int": "int",
    "date": "date",
    "datetime": "dateTime",
}


class _Compiler:
    def __init__(self, org: Org, query: soql.Query, include_deleted: bool) -> None:
        self.org = org
        self.schema = org.schema
        self.query = query
        self.include_deleted = include_deleted
        root = self.schema.object(query.object)
        if root is None:
            raise ApiError(
                400,
                "INVALID_TYPE",
                self.located(
                    query.text.lower().find(" from ") + 7,
                    f"sObject type '{query.object}' is not supported. If you are attempting to use "
                    "a custom object, be sure to append the '__c' after the entity name. Please "
                    "reference your WSDL or the describe call for the appropriate names.",
                ),
            )
        self.root = root
        self.joins: dict[tuple[str, ...], _Join] = {}
        self.params: list[Any] = []
        self.join_sql: list[str] = []
        self.today = datetime.now(UTC).date()

    # -- names ---------------------------------------------------------------------------------
    def resolve(self, ref: soql.Field) -> _Ref:
        parts = list(ref.path)
        if (
            len(parts) > 1
            and parts[0].lower() == self.root.name.lower()
            and self.schema.relationship(self.root, parts[0]) is None
        ):
            parts = parts[1:]
        obj, alias, rels = self.root, "t0", ()
        for part in parts[:-1]:
            lookup = self.schema.relationship(obj, part)
            parent = self.schema.parent(lookup) if lookup is not None else None
            if lookup is None or parent is None or lookup.relationship_name is None:
                raise invalid_field(
                    self.located(
                        ref.column,
                        f"Didn't understand relationship '{part}' in field path. If you are "
                        "attempting to use a custom relationship, be sure to append the '__r' "
                        "after the custom relationship name. Please reference your WSDL or the "
                        "describe call for the appropriate names.",
                    )
                )
            rels = (*rels, lookup.relationship_name)
            if rels not in self.joins:
                self.joins[rels] = _Join(f"t{len(self.joins) + 1}", parent)
                self.join_sql.append(
                    f"LEFT JOIN {q(parent.name)} {self.joins[rels].alias} "
                    f"ON {self.joins[rels].alias}.Id = {alias}.{q(lookup.name)}"
                )
            obj, alias = parent, self.joins[rels].alias
        found = self.schema.field(obj, parts[-1])
        if found is None:
            raise invalid_field(
                self.located(
                    ref.column,
                    f"No such column '{parts[-1]}' on entity '{obj.name}'. If you are attempting "
                    "to use a custom field, be sure to append the '__c' after the custom field "
                    "name. Please reference your WSDL or the describe call for the appropriate "
                    "names.",
                )
            )
        return _Ref(f"{alias}.{q(found.name)}", found, rels)

    def located(self, column: int, what: str) -> str:
        return soql.located(self.query.text, 1, column, what)

    # -- expressions ---------------------------------------------------------------------------
    def aggregate_sql(self, agg: Aggregate) -> tuple[str, FieldDef | None]:
        if agg.field is None:
            return "COUNT(*)", None
        ref = self.resolve(agg.field)
        if agg.fn in {"SUM", "AVG"} and ref.field.type not in NUMBER_TYPES:
            raise malformed(f"field {ref.field.name} does not support aggregate operator {agg.fn}")
        if agg.fn == "COUNT_DISTINCT":
            return f"COUNT(DISTINCT {ref.sql})", ref.field
        return f"{agg.fn}({ref.sql})", ref.field

    def operand(
        self, expr: soql.Field | Aggregate, *, aggregates: bool
    ) -> tuple[str, FieldDef | None]:
        if isinstance(expr, Aggregate):
            if not aggregates or not self.is_aggregate:
                raise malformed("Aggregate functions are only allowed in HAVING and ORDER BY")
            sql, agg_field = self.aggregate_sql(expr)
            if expr.fn in {"MIN", "MAX"}:
                return sql, agg_field
            return sql, FieldDef(expr.fn, "double")
        ref = self.resolve(expr)
        return ref.sql, ref.field

    def condition(self, node: Any, *, having: bool = False) -> str:
        if isinstance(node, BoolOp):
            inner = f" {node.op} ".join(self.condition(item, having=having) for item in node.items)
            return f"({inner})"
        if isinstance(node, Not):
            return f"(NOT {self.condition(node.item, having=having)})"
        sql, f = self.operand(node.left, aggregates=having)
        assert f is not None
        if isinstance(node, Like):
            if not f.is_text or node.value.kind != "string":
                raise invalid_field(f"invalid operator on field: {f.name}")
            self.params.append(node.value.like_pattern)
            return f"({sql} LIKE ? ESCAPE '\\')"
        if isinstance(node, InList):
            if any(v.kind in {"null", "date_range"} for v in node.values):
                raise malformed("invalid IN list: null and date literals are not allowed")
            if node.negated:
                unlisted = self.unequal(sql, f, "NOT IN", node.values)
                return f"({sql} IS NULL OR {unlisted})"
            marks = ", ".join(self.bind(f, v) for v in node.values)
            return f"({sql}{self.collate(f)} IN ({marks}))"
        assert isinstance(node, Compare)
        return self.compare(sql, f, node.op, node.value)

    def compare(self, sql: str, f: FieldDef, op: str, value: Literal) -> str:
        if value.kind == "null":
            if op not in {"=", "!="}:
                raise malformed(f"invalid operator on null: {op}")
            return f"({sql} IS {'NOT ' if op == '!=' else ''}NULL)"
        if f.type == "boolean" and op not in {"=", "!="}:
            raise invalid_field(f"invalid operator on boolean field: {op}")
        if value.kind == "date_range":
            if f.type not in {"date", "datetime"}:
                raise invalid_field(self.type_message(f))
            start, end = (self.date_bound(f, d) for d in date_range(*value.value, self.today))
            if op == "=":
                return f"({sql} >= {self.bind_raw(start)} AND {sql} < {self.bind_raw(end)})"
            if op == "!=":
                low, high = self.bind_raw(start), self.bind_raw(end)
                return f"({sql} IS NULL OR {sql} < {low} OR {sql} >= {high})"
            bound = {"<": start, "<=": end, ">": end, ">=": start}[op]
            return f"({sql} {'<' if op in {'<', '<='} else '>='} {self.bind_raw(bound)})"
        if op == "!=":
            return f"({sql} IS NULL OR {self.unequal(sql, f, '!=', (value,))})"
        return f"({sql}{self.collate(f)} {op} {self.bind(f, value)})"

    def unequal(self, sql: str, f: FieldDef, op: str, literals: Sequence[Literal]) -> str:
        """`sql op (literals)` for `!=` and `NOT IN`, case-insensitive where `f` is.

        Where the value and every literal are ASCII, SQLite's own NOCASE folds them as
        `str.casefold` does, without a call into Python for each row (which, over 100,000 rows,
        also waits for the GIL once a row); any other value is compared by the full collation.
        `=` and `IN` keep the collation alone: their index is built with it."""
        listed = "({})" if op == "NOT IN" else "{}"
        if not f.ignores_case or not all(_ascii(v) for v in literals):
            marks = ", ".join(self.bind(f, v) for v in literals)
            return f"({sql}{self.collate(f)} {op} {listed.format(marks)})"
        fast = ", ".join(self.bind(f, v) for v in literals)
        full = ", ".join(self.bind(f, v) for v in literals)
        return (
            f"(CASE WHEN length(CAST({sql} AS BLOB)) = length({sql}) "
            f"THEN {sql} COLLATE NOCASE {op} {listed.format(fast)} "
            f"ELSE {sql} COLLATE {NOCASE} {op} {listed.format(full)} END)"
        )

    def bind_raw(self, value: Any) -> str:
        self.params.append(value)
        return "?"

    def date_bound(self, f: FieldDef, day: date) -> str:
        if f.type == "date":
            return day.isoformat()
        return values.stored_datetime(datetime(day.year, day.month, day.day, tzinfo=UTC))

    def type_message(self, f: FieldDef) -> str:
        kind = _SOAP_NAMES.get(f.type, "string")
        quoted = "be enclosed" if kind in {"string", "id"} else "not be enclosed"
        return (
            f"value of filter criterion for field '{f.name}' must be of type {kind} and should "
            f"{quoted} in quotes"
        )

    def bind(self, f: FieldDef, value: Literal) -> str:
        """The SQL parameter marker for `value`, checked against `f`'s type and in storage form."""
        kind = value.kind
        if f.type in {"id", "reference"}:
            if kind != "string":
                raise invalid_field(self.type_message(f))
            normal = ids.normalise(value.value)
            if normal is None:
                raise ApiError(
                    400, "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {value.value}"
                )
            return self.bind_raw(normal)
        if f.is_text:
            if kind != "string":
                raise invalid_field(self.type_message(f))
            return self.bind_raw(value.value)
        if f.type in NUMBER_TYPES:
            if kind != "number":
                raise invalid_field(self.type_message(f))
            number: Decimal = value.value
            return self.bind_raw(int(number) if f.type == "int" else float(number))
        if f.type == "boolean":
            if kind != "boolean":
                raise invalid_field(self.type_message(f))
            return self.bind_raw(int(value.value))
        if f.type == "date":
            if kind != "date":
                raise invalid_field(self.type_message(f))
            return self.bind_raw(value.value.isoformat())
        if kind != "datetime":
            raise invalid_field(self.type_message(f))
        return self.bind_raw(values.stored_datetime(value.value))

    def collate(self, f: FieldDef) -> str:
        return f" COLLATE {NOCASE}" if f.ignores_case else ""

    # -- the statement --------------------------------------------------------------------------
    @property
    def is_aggregate(self) -> bool:
        return bool(self.query.group_by) or any(isinstance(s, Aggregate) for s in self.query.select)

    def compile(self) -> tuple[str, list[Any], Shape | list[Any] | None]:
        """SQL, its parameters, and how to read the rows (a Shape, an aggregate plan, or None
        for COUNT())."""
        query = self.query
        if query.is_count_only and len(query.select) > 1:
            raise malformed("COUNT() must be the only element in the SELECT list")
        if query.offset is not None and query.offset > MAX_OFFSET:
            raise ApiError(
                400, "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}"
            )
        selected = self.select_list()
        where = [] if self.include_deleted else ["t0.IsDeleted = 0"]
        if query.where is not None:
            where.append(self.condition(query.where))
        group_sql = self.group_by(selected)
        having = ""
        if query.having is not None:
            if not self.is_aggregate:
                raise malformed("HAVING requires GROUP BY or aggregates")
            having = f" HAVING {self.condition(query.having, having=True)}"
        order = self.order_by(group_sql)
        page = ""
        if query.limit is not None or query.offset is not None:
            page = " LIMIT ? OFFSET ?"
        body = (
            f"FROM {q(self.root.name)} t0 "
            + " ".join(self.join_sql)
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + (f" GROUP BY {', '.join(group_sql)}" if group_sql else "")
            + having
        )
        params = list(self.params)
        if page:
            params += [query.limit if query.limit is not None else -1, query.offset or 0]
        if query.is_count_only:
            return f"SELECT COUNT(*) FROM (SELECT 1 {body}{page})", params, None
        columns = [item.sql if isinstance(item, _Ref) else item[0] for item in selected]
        order_sql = f" ORDER BY {', '.join(order)}" if order else ""
        if self.is_aggregate:
            return f"SELECT {', '.join(columns)} {body}{order_sql}{page}", params, selected
        join_ids: dict[tuple[str, ...], int] = {}
        columns.insert(0, "t0.Id")
        for rels, join in self.joins.items():
            join_ids[rels] = len(columns)
            columns.append(f"{join.alias}.Id")
        refs = [item for item in selected if isinstance(item, _Ref)]
        sql = f"SELECT {', '.join(columns)} {body}{order_sql}{page}"
        return sql, params, Shape(self.root, refs, self.joins, join_ids)

    def select_list(self) -> list[Any]:
        selected: list[Any] = []
        seen: set[str] = set()
        for item in self.query.select:
            if isinstance(item, Aggregate):
                if item.field is not None:
                    sql, f = self.aggregate_sql(item)
                    selected.append((sql, f, item))
                continue
            ref = self.resolve(item)
            key = ".".join((*ref.rels, ref.field.name)).lower()
            if key in seen:
                raise malformed(f"duplicate field selected: {ref.field.name}")
            seen.add(key)
            selected.append(ref)
        return selected

    def group_by(self, selected: list[Any]) -> list[str]:
        group_sql = []
        for group_field in self.query.group_by:
            ref = self.resolve(group_field)
            if not ref.field.groupable:
                raise malformed(f"field '{ref.field.name}' can not be grouped in a query call")
            group_sql.append(ref.sql)
        if self.is_aggregate and not self.query.is_count_only:
            grouped = {g.lower() for g in group_sql}
            for item in selected:
                if isinstance(item, _Ref) and item.sql.lower() not in grouped:
                    raise malformed(f"Field must be grouped or aggregated: {item.field.name}")
        return group_sql

    def order_by(self, group_sql: list[str]) -> list[str]:
        grouped = {g.lower() for g in group_sql}
        order = []
        for item in self.query.order_by:
            sql, f = self.operand(item.expr, aggregates=True)
            if (
                isinstance(item.expr, soql.Field)
                and self.is_aggregate
                and sql.lower() not in grouped
            ):
                raise malformed(f"Ordered field must be grouped or aggregated: {item.expr.text}")
            collate = self.collate(f) if f is not None else ""
            direction = " DESC" if item.descending else " ASC"
            nulls = ""
            if item.nulls_last is not None:
                nulls = " NULLS LAST" if item.nulls_last else " NULLS FIRST"
            order.append(f"{sql}{collate}{direction}{nulls}")
        if not self.is_aggregate:
            order.append("t0.Id ASC")
        return order


def _aggregate_value(agg: Aggregate, f: FieldDef | None, value: Any) -> Any:
    if value is None:
        return None
    if agg.fn in {"COUNT", "COUNT_DISTINCT"}:
        return int(value)
    if agg.fn in {"SUM", "AVG"}:
        scale = f.scale if f is not None and f.type != "double" else None
        return round(float(value), scale) if scale is not None else float(value)
    return values.to_json(f, value) if f is not None else value


class QueryEngine:
    def __init__(self, org: Org) -> None:
        self.org = org
        self._cursors: OrderedDict[str, Cursor] = OrderedDict()
        self._lock = threading.Lock()
        self._next_locator = 0

    def run(
        self, text: str, *, include_deleted: bool, version: str, batch: int = DEFAULT_BATCH
    ) -> dict[str, Any]:
        query = soql.parse(text)
        compiler = _Compiler(self.org, query, include_deleted)
        sql, params, plan = compiler.compile()
        rows = self.org.store.select(sql, params)
        if plan is None:
            return {"totalSize": int(rows[0][0]), "done": True, "records": []}
        if isinstance(plan, list):
            return self._aggregate_result(plan, rows)
        endpoint = "queryAll" if include_deleted else "query"
        with self._lock:
            self._next_locator += 1
            locator = ids.make("01g", 7_000_000 + self._next_locator)
            cursor = Cursor(
                locator, endpoint, rows, plan, max(MIN_BATCH, min(batch, DEFAULT_BATCH))
            )
            self._cursors[locator] = cursor
            while len(self._cursors) > _OPEN_CURSORS:
                self._cursors.popitem(last=False)
        return self.page(cursor, 0, version)

    def _aggregate_result(self, plan: list[Any], rows: list[tuple[Any, ...]]) -> dict[str, Any]:
        if len(rows) > DEFAULT_BATCH:
            raise malformed(
                "Aggregate query does not support queryMore(), use LIMIT to restrict the results "
                "to a single batch"
            )
        records = []
        for row in rows:
            record: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
            unnamed = 0
            for item, value in zip(plan, row, strict=True):
                if isinstance(item, _Ref):
                    record[item.field.name] = values.to_json(item.field, value)
                    continue
                _sql, f, agg = item
                name = agg.alias
                if name is None:
                    name = f"expr{unnamed}"
                    unnamed += 1
                record[name] = _aggregate_value(agg, f, value)
            records.append(record)
        return {"totalSize": len(records), "done": True, "records": records}

    def more(self, locator_path: str, version: str) -> dict[str, Any]:
        locator, _, start = locator_path.partition("-")
        with self._lock:
            cursor = self._cursors.get(locator)
        if cursor is None or not start.isdigit() or int(start) > len(cursor.rows):
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self.page(cursor, int(start), version)

    def page(self, cursor: Cursor, start: int, version: str) -> dict[str, Any]:
        end = min(start + cursor.batch, len(cursor.rows))
        body: dict[str, Any] = {"totalSize": len(cursor.rows), "done": end >= len(cursor.rows)}
        if end < len(cursor.rows):
            body["nextRecordsUrl"] = (
                f"/services/data/v{version}/{cursor.endpoint}/{cursor.locator}-{end}"
            )
        body["records"] = [cursor.shape.record(row, version) for row in cursor.rows[start:end]]
        return body
