"""SOQL text -> a small syntax tree, with Salesforce's MALFORMED_QUERY for what does not parse.

The grammar (`soql.lark`) covers: field lists with parent paths (`Account.Name`), COUNT(),
COUNT/COUNT_DISTINCT/SUM/AVG/MIN/MAX with aliases, WHERE with = != <> < <= > >=, LIKE, IN, NOT IN,
AND/OR/NOT and parentheses, string/number/boolean/null/date/datetime literals and date literals
(TODAY, LAST_N_DAYS:n, THIS_MONTH, ...), GROUP BY, HAVING, ORDER BY (ASC/DESC, NULLS FIRST/LAST),
LIMIT and OFFSET.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from app.sandbox.salesforce import values
from app.sandbox.salesforce.errors import ApiError

_ESCAPES = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
    "%": "%",
    "_": "_",
}


@dataclass(frozen=True)
class Field:
    path: tuple[str, ...]
    column: int

    @property
    def text(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Aggregate:
    fn: str  # COUNT, COUNT_DISTINCT, SUM, AVG, MIN, MAX; COUNT with field None is COUNT()
    field: Field | None
    alias: str | None = None


@dataclass(frozen=True)
class Literal:
    kind: str  # string, number, boolean, null, date, datetime, date_range
    value: Any
    raw: str

    @property
    def like_pattern(self) -> str:
        """The string as a LIKE pattern whose escape character is backslash."""
        return decode(self.raw, like=True)


@dataclass(frozen=True)
class Compare:
    left: Field | Aggregate
    op: str
    value: Literal


@dataclass(frozen=True)
class Like:
    left: Field | Aggregate
    value: Literal


@dataclass(frozen=True)
class InList:
    left: Field | Aggregate
    values: tuple[Literal, ...]
    negated: bool


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND / OR
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Not:
    item: Any


@dataclass(frozen=True)
class OrderItem:
    expr: Field | Aggregate
    descending: bool
    nulls_last: bool | None


@dataclass(frozen=True)
class Query:
    select: tuple[Field | Aggregate, ...]
    object: str
    where: Any
    group_by: tuple[Field, ...]
    having: Any
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None
    text: str = ""

    @property
    def is_count_only(self) -> bool:
        return any(
            isinstance(s, Aggregate) and s.fn == "COUNT" and s.field is None for s in self.select
        )


def decode(raw: str, *, like: bool = False) -> str:
    """The value of a quoted SOQL string; for LIKE, escaped %, _ and backslash stay escaped."""
    out = []
    i = 0
    body = raw[1:-1]
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u" and i + 5 < len(body):
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            if nxt not in _ESCAPES:
                raise ValueError(
                    f"Invalid string literal '{raw}'. Illegal character sequence '\\{nxt}'"
                )
            out.append("\\" + nxt if like and nxt in "%_\\" else _ESCAPES[nxt])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


@v_args(inline=True)
class _ToTree(Transformer[Token, Query]):
    def start(
        self, _select: Token, select_list: list[Any], _from: Token, name: Token, *clauses: Any
    ) -> Query:
        parts: dict[str, Any] = dict(clauses)
        return Query(
            select=tuple(select_list),
            object=str(name),
            where=parts.get("where"),
            group_by=tuple(parts.get("group", ())),
            having=parts.get("having"),
            order_by=tuple(parts.get("order", ())),
            limit=parts.get("limit"),
            offset=parts.get("offset"),
        )

    def select_list(self, *items: Any) -> list[Any]:
        return list(items)

    def count_all(self, _count: Token) -> Aggregate:
        return Aggregate("COUNT", None)

    def aggregate(self, fn: Token, field: Field, alias: str | None = None) -> Aggregate:
        return Aggregate(str(fn).upper(), field, alias)

    def agg_expr(self, fn: Token, field: Field | None = None) -> Aggregate:
        return Aggregate(str(fn).upper(), field)

    def alias(self, name: Token) -> str:
        return str(name)

    def field(self, *names: Token) -> Field:
        return Field(tuple(str(n) for n in names), names[0].column or 0)

    def where_clause(self, _kw: Token, condition: Any) -> tuple[str, Any]:
        return ("where", condition)

    def having_clause(self, _kw: Token, condition: Any) -> tuple[str, Any]:
        return ("having", condition)

    def and_(self, *items: Any) -> BoolOp:
        return BoolOp("AND", tuple(i for i in items if not isinstance(i, Token)))

    def or_(self, *items: Any) -> BoolOp:
        return BoolOp("OR", tuple(i for i in items if not isinstance(i, Token)))

    def not_(self, _kw: Token, item: Any) -> Not:
        return Not(item)

    def compare(self, left: Any, op: Token, value: Literal) -> Compare:
        return Compare(left, "!=" if str(op) == "<>" else str(op), value)

    def like(self, left: Any, _kw: Token, value: Literal) -> Like:
        return Like(left, value)

    def in_(self, left: Any, _kw: Token, *items: Literal) -> InList:
        return InList(left, items, negated=False)

    def not_in(self, left: Any, _not: Token, _in: Token, *items: Literal) -> InList:
        return InList(left, items, negated=True)

    def string(self, token: Token) -> Literal:
        return Literal("string", decode(str(token)), str(token))

    def number(self, token: Token) -> Literal:
        return Literal("number", Decimal(str(token)), str(token))

    def true(self, token: Token) -> Literal:
        return Literal("boolean", True, str(token))

    def false(self, token: Token) -> Literal:
        return Literal("boolean", False, str(token))

    def null(self, token: Token) -> Literal:
        return Literal("null", None, str(token))

    def datetime(self, token: Token) -> Literal:
        moment: datetime = values.parse_datetime(str(token))
        return Literal("datetime", moment, str(token))

    def date(self, token: Token) -> Literal:
        day: date = values.parse_date(str(token))
        return Literal("date", day, str(token))

    def date_n(self, token: Token) -> Literal:
        name, _, count = str(token).partition(":")
        return Literal("date_range", (name.strip().upper(), int(count)), str(token))

    def date_const(self, token: Token) -> Literal:
        return Literal("date_range", (str(token).upper(), 0), str(token))

    def group_clause(self, _group: Token, _by: Token, *fields: Field) -> tuple[str, Any]:
        return ("group", list(fields))

    def order_clause(self, _order: Token, _by: Token, *items: OrderItem) -> tuple[str, Any]:
        return ("order", list(items))

    def order_item(self, expr: Any, *modifiers: Any) -> OrderItem:
        descending = False
        nulls_last = None
        for modifier in modifiers:
            if modifier in ("ASC", "DESC"):
                descending = modifier == "DESC"
            else:
                nulls_last = modifier == "LAST"
        return OrderItem(expr, descending, nulls_last)

    def direction(self, token: Token) -> str:
        return str(token).upper()

    def nulls(self, _nulls: Token, which: Token) -> str:
        return str(which).upper()

    def limit_clause(self, _kw: Token, count: Token) -> tuple[str, int]:
        return ("limit", _whole(count))

    def offset_clause(self, _kw: Token, count: Token) -> tuple[str, int]:
        return ("offset", _whole(count))


def _whole(token: Token) -> int:
    text = str(token)
    if not text.isdigit():
        raise ValueError(f"unexpected token: '{text}'")
    return int(text)


@functools.cache
def _parser() -> Lark:
    grammar = (Path(__file__).with_name("soql.lark")).read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", propagate_positions=True)


def located(soql: str, line: int, column: int, what: str) -> str:
    """Salesforce's error text: the query line, a caret under the column, position and cause."""
    lines = soql.splitlines() or [""]
    shown = lines[line - 1] if 0 < line <= len(lines) else lines[-1]
    return f"\n{shown}\n{' ' * max(column - 1, 0)}^\nERROR at Row:{line}:Column:{column}\n{what}"


def _malformed(soql: str, line: int, column: int, what: str) -> ApiError:
    return ApiError(400, "MALFORMED_QUERY", located(soql, line, column, what))


def parse(soql: str) -> Query:
    try:
        tree = _parser().parse(soql)
        query: Query = _ToTree().transform(tree)
        return dataclasses.replace(query, text=soql)
    except UnexpectedEOF:
        return _raise(_malformed(soql, 1, len(soql) + 1, "unexpected token: '<EOF>'"))
    except UnexpectedToken as exc:
        if exc.token.type == "$END":
            lines = soql.splitlines() or [""]
            token, line, column = "<EOF>", len(lines), len(lines[-1]) + 1
        else:
            token, line, column = str(exc.token), exc.line, exc.column
        return _raise(_malformed(soql, line, column, f"unexpected token: '{token}'"))
    except UnexpectedCharacters as exc:
        char = soql[exc.pos_in_stream] if exc.pos_in_stream < len(soql) else "<EOF>"
        return _raise(_malformed(soql, exc.line, exc.column, f"unexpected token: '{char}'"))
    except UnexpectedInput as exc:  # pragma: no cover - the cases above cover LALR errors
        return _raise(_malformed(soql, 1, 1, str(exc)))
    except Exception as exc:  # a literal the transformer rejects
        cause = exc.orig_exc if hasattr(exc, "orig_exc") else exc
        return _raise(ApiError(400, "MALFORMED_QUERY", str(cause)))


def _raise(error: ApiError) -> Query:
    raise error
