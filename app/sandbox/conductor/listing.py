"""List endpoints: filters, exact-match lookups and cursor pagination over the stored records.

`ids`, `fullNames` (`names` for vendors, employees and other names) and `refNumbers` bypass
every other filter (as QuickBooks does) and fail when a value matches nothing. Otherwise the
filters combine, records come in the order QuickBooks added them, and a page's `nextCursor`
resumes after its last record; the client resends the original filters with it. Accounts,
employees, other names and sales-tax codes are not paginated.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.sandbox.conductor import errors
from app.sandbox.conductor.company import Company
from app.sandbox.conductor.store import NAMESPACES
from app.sandbox.conductor.values import bound, cents

Clause = tuple[str, list[Any]]


@dataclass(frozen=True)
class Listing:
    kind: str
    paginated: bool = True


LISTINGS = {
    "/quickbooks-desktop/customers": Listing("customer"),
    "/quickbooks-desktop/service-items": Listing("service_item"),
    "/quickbooks-desktop/non-inventory-items": Listing("non_inventory_item"),
    "/quickbooks-desktop/invoices": Listing("invoice"),
    "/quickbooks-desktop/receive-payments": Listing("receive_payment"),
    "/quickbooks-desktop/credit-memos": Listing("credit_memo"),
    "/quickbooks-desktop/sales-tax-codes": Listing("sales_tax_code", paginated=False),
    "/quickbooks-desktop/accounts": Listing("account", paginated=False),
    "/quickbooks-desktop/vendors": Listing("vendor"),
    "/quickbooks-desktop/employees": Listing("employee", paginated=False),
    "/quickbooks-desktop/other-names": Listing("other_name", paginated=False),
}

_EXCLUSIVE = (
    ("nameContains", "nameStartsWith", "nameEndsWith"),
    ("refNumberContains", "refNumberStartsWith", "refNumberEndsWith"),
    (
        "totalBalance",
        "totalBalanceGreaterThan",
        "totalBalanceGreaterThanOrEqualTo",
        "totalBalanceLessThan",
        "totalBalanceLessThanOrEqualTo",
    ),
)
_BALANCE_OPERATORS = {
    "totalBalance": "=",
    "totalBalanceGreaterThan": ">",
    "totalBalanceGreaterThanOrEqualTo": ">=",
    "totalBalanceLessThan": "<",
    "totalBalanceLessThanOrEqualTo": "<=",
}
#: Parameters that shape the response rather than select records.
_SHAPING = {
    "limit",
    "cursor",
    "includeLineItems",
    "includeLinkedTransactions",
    "excludeAlternateShippingAddresses",
}


def list_records(company: Company, template: str, query: dict[str, Any]) -> dict[str, Any]:
    listing = LISTINGS[template]
    url = f"/v1{template}"
    if "ids" in query:
        data = _by_ids(company, listing.kind, query["ids"])
    elif "fullNames" in query:
        data = _by_full_names(company, listing.kind, query["fullNames"])
    elif "names" in query:
        data = _by_full_names(company, listing.kind, query["names"])
    elif "refNumbers" in query:
        data = _by_ref_numbers(company, listing.kind, query["refNumbers"])
    else:
        return _filtered(company, listing, url, query)
    rendered = [_render(company, listing.kind, body, query) for body in data]
    if not listing.paginated:
        return {"objectType": "list", "url": url, "data": rendered}
    return _page(url, rendered, next_cursor=None, remaining=0)


def _filtered(
    company: Company, listing: Listing, url: str, query: dict[str, Any]
) -> dict[str, Any]:
    for group in _EXCLUSIVE:
        used = [name for name in group if name in query]
        if len(used) > 1:
            raise errors.invalid_request(
                f"Use only one of {', '.join(group)}; received {', '.join(used)}."
            )
    where = ["kind = ?"]
    params: list[Any] = [listing.kind]
    if listing.kind in NAMESPACES or listing.kind == "sales_tax_code":
        status = query.get("status", "active")
        if status != "all":
            where.append("is_active = ?")
            params.append(1 if status == "active" else 0)
    for name, value in query.items():
        if name in _SHAPING or name == "status":
            continue
        make = _FILTERS.get(name)
        if make is None:  # only reachable outside strict mode, which rejects unknown keys
            continue
        clause = make(value)
        where.append(clause[0])
        params.extend(clause[1])
    if not listing.paginated:
        limit = query.get("limit")
        rows = company.store.select(" AND ".join(where), params, limit=limit)
        data = [_render(company, listing.kind, body, query) for _, _, body in rows]
        return {"objectType": "list", "url": url, "data": data}
    limit = int(query.get("limit", 150))
    if "cursor" in query:
        where.append("seq > ?")
        params.append(_decode_cursor(query["cursor"], url))
    rows = company.store.select(" AND ".join(where), params, limit=limit)
    remaining = 0
    if rows:
        remaining = company.store.count(" AND ".join([*where, "seq > ?"]), [*params, rows[-1][0]])
    data = [_render(company, listing.kind, body, query) for _, _, body in rows]
    cursor = _encode_cursor(url, rows[-1][0]) if remaining else None
    return _page(url, data, next_cursor=cursor, remaining=remaining)


def _page(
    url: str, data: list[dict[str, Any]], *, next_cursor: str | None, remaining: int
) -> dict[str, Any]:
    return {
        "objectType": "list",
        "url": url,
        "data": data,
        "nextCursor": next_cursor,
        "remainingCount": remaining,
        "hasMore": remaining > 0,
    }


def _render(
    company: Company, kind: str, body: dict[str, Any], query: dict[str, Any]
) -> dict[str, Any]:
    return company.render(
        kind,
        body,
        lines=query.get("includeLineItems", True),
        linked=query.get("includeLinkedTransactions", False),
        alternate_addresses=not query.get("excludeAlternateShippingAddresses", False),
    )


# -- exact lookups -------------------------------------------------------------------------------


def _by_ids(company: Company, kind: str, ids: list[str]) -> list[dict[str, Any]]:
    found = []
    for record_id in dict.fromkeys(ids):
        body = company.find(record_id, (kind,))
        if body is None:
            raise errors.not_found_in_query(record_id)
        found.append(body)
    return found


def _by_full_names(company: Company, kind: str, names: list[str]) -> list[dict[str, Any]]:
    if kind not in NAMESPACES:
        return _by_names(company, kind, names)
    found = []
    for name in dict.fromkeys(names):
        row = company.store.find_name(NAMESPACES[kind], name)
        if row is None or row[0] != kind:
            raise errors.not_found_in_query(name)
        found.append(row[1])
    return found


def _by_names(company: Company, kind: str, names: list[str]) -> list[dict[str, Any]]:
    """Lists outside the name lists (sales-tax codes): names are unique within the list."""
    found = []
    for name in dict.fromkeys(names):
        rows = company.store.select("kind = ? AND lower(name) = ?", [kind, name.lower()])
        if not rows:
            raise errors.not_found_in_query(name)
        found.append(rows[0][2])
    return found


def _by_ref_numbers(company: Company, kind: str, refs: list[str]) -> list[dict[str, Any]]:
    wanted = list(dict.fromkeys(refs))
    marks = ", ".join("?" for _ in wanted)
    rows = company.store.select(f"kind = ? AND ref_number IN ({marks})", [kind, *wanted])
    present = {body.get("refNumber") for _, _, body in rows}
    for ref in wanted:
        if ref not in present:
            raise errors.not_found_in_query(ref)
    return [body for _, _, body in rows]


# -- filters -------------------------------------------------------------------------------------


def _in(column: str, values: list[str]) -> Clause:
    if not values:
        return "0", []
    return f"{column} IN ({', '.join('?' for _ in values)})", list(values)


def _accounts(values: list[str]) -> Clause:
    if not values:
        return "0", []
    return "(" + " OR ".join("instr(accounts, ?) > 0" for _ in values) + ")", [
        f"|{v}|" for v in values
    ]


def _balance(operator: str) -> Callable[[str], Clause]:
    def clause(value: str) -> Clause:
        try:
            amount = cents(Decimal(value))
        except ArithmeticError:
            raise errors.invalid_request(f'Invalid decimal string "{value}"') from None
        expression = (
            "CAST(ROUND(CAST(json_extract(body, '$.totalBalance') AS REAL) * 100) AS INTEGER)"
        )
        return f"{expression} {operator} ?", [amount]

    return clause


_FILTERS: dict[str, Callable[[Any], Clause]] = {
    "updatedAfter": lambda v: ("updated_at >= ?", [bound("updatedAfter", v, end=False)]),
    "updatedBefore": lambda v: ("updated_at <= ?", [bound("updatedBefore", v, end=True)]),
    "nameContains": lambda v: ("instr(lower(name), ?) > 0", [v.lower()]),
    "nameStartsWith": lambda v: ("substr(lower(name), 1, ?) = ?", [len(v), v.lower()]),
    "nameEndsWith": lambda v: ("substr(lower(name), -?) = ?", [len(v), v.lower()]),
    "nameFrom": lambda v: ("lower(name) >= ?", [v.lower()]),
    "nameTo": lambda v: ("lower(name) <= ?", [v.lower()]),
    "refNumberContains": lambda v: ("instr(ref_number, ?) > 0", [v]),
    "refNumberStartsWith": lambda v: ("substr(ref_number, 1, ?) = ?", [len(v), v]),
    "refNumberEndsWith": lambda v: ("substr(ref_number, -?) = ?", [len(v), v]),
    "refNumberFrom": lambda v: ("ref_ge(ref_number, ?)", [v]),
    "refNumberTo": lambda v: ("ref_le(ref_number, ?)", [v]),
    "transactionDateFrom": lambda v: ("txn_date >= ?", [v]),
    "transactionDateTo": lambda v: ("txn_date <= ?", [v]),
    "customerIds": lambda v: _in("customer_id", v),
    "accountIds": _accounts,
    "paymentStatus": lambda v: {"paid": ("is_paid = 1", []), "not_paid": ("is_paid = 0", [])}.get(
        v, ("1", [])
    ),
    "accountType": lambda v: ("json_extract(body, '$.accountType') = ?", [v]),
    # This company file keeps no classes and a single (home) currency.
    "classIds": lambda v: _in("json_extract(body, '$.class.id')", v),
    "currencyIds": lambda v: _in("json_extract(body, '$.currency.id')", v),
    **{name: _balance(op) for name, op in _BALANCE_OPERATORS.items()},
}


# -- cursors -------------------------------------------------------------------------------------


def _encode_cursor(url: str, seq: int) -> str:
    raw = json.dumps({"u": url, "s": seq}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, url: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if data["u"] != url:
            raise ValueError(url)
        return int(data["s"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise errors.invalid_request(
            f'The cursor "{cursor}" is invalid or belongs to another list.', code="INVALID_CURSOR"
        ) from None
