"""Every list paginates to exactly the records its filters select, as computed directly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import conductor
import pytest
import requests

from app.sandbox.conductor import ConductorSandbox

Record = dict[str, Any]
Case = Callable[["Facts"], tuple[dict[str, Any], Callable[[Record], bool]]]


class Facts:
    """What the shared company holds, read inside QuickBooks (not over the API)."""

    def __init__(self, sandbox: ConductorSandbox) -> None:
        self.invoices = sandbox.qb.all("invoice")
        self.payments = sandbox.qb.all("receive_payment")
        self.customers = sandbox.qb.all("customer")
        self.service_items = sandbox.qb.all("service_item")
        self.non_inventory_items = sandbox.qb.all("non_inventory_item")
        self.accounts = sandbox.qb.all("account")

    @staticmethod
    def middle(records: list[Record], field: str) -> str:
        values = sorted(r[field] for r in records)
        return values[len(values) // 2]

    def account(self, name: str) -> str:
        return next(a["id"] for a in self.accounts if a["name"] == name)


@pytest.fixture(scope="module")
def facts(shared: ConductorSandbox) -> Facts:
    return Facts(shared)


def _collect(
    client: conductor.Conductor, resource: str, end_user: str, limit: int, params: dict[str, Any]
) -> list[str]:
    raw = getattr(client.qbd, resource).with_raw_response.list(
        conductor_end_user_id=end_user, limit=limit, **params
    )
    first = raw.http_response.json()
    ids = [record.id for record in raw.parse()]
    assert len(ids) == len(set(ids)), "a record came twice"
    assert first["remainingCount"] == len(ids) - len(first["data"])
    assert first["hasMore"] == (len(ids) > len(first["data"]))
    assert (first["nextCursor"] is not None) == first["hasMore"]
    return ids


def _expected(name: str, records: list[Record], wanted: Callable[[Record], bool]) -> list[str]:
    """The ids a filter should select; only cases named "none: ..." may select nothing."""
    ids = [r["id"] for r in records if wanted(r)]
    assert bool(ids) != name.startswith("none"), f"case {name!r} is not testing anything"
    return ids


def _shift(timestamp: str, hours: int) -> str:
    """The same instant written with another UTC offset."""
    moment = datetime.fromisoformat(timestamp)
    return moment.astimezone(timezone(timedelta(hours=hours))).isoformat()


def _name(record: Record) -> str:
    return record["name"].lower()


INVOICE_CASES: dict[str, Case] = {
    "all": lambda f: ({}, lambda r: True),
    "updated after, other offset": lambda f: (
        {"updated_after": _shift(f.middle(f.invoices, "updatedAt"), 2)},
        lambda r: r["updatedAt"] >= f.middle(f.invoices, "updatedAt"),
    ),
    "updated before, date only": lambda f: (
        {"updated_before": f.middle(f.invoices, "updatedAt")[:10]},
        lambda r: r["updatedAt"] <= f.middle(f.invoices, "updatedAt")[:10] + "T23:59:59+00:00",
    ),
    "updated window, no offset": lambda f: (
        {
            "updated_after": f.middle(f.invoices, "updatedAt")[:19],
            "updated_before": f.invoices[-20]["updatedAt"][:19],
        },
        lambda r: (
            f.middle(f.invoices, "updatedAt") <= r["updatedAt"] <= f.invoices[-20]["updatedAt"]
        ),
    ),
    "transaction dates": lambda f: (
        {"transaction_date_from": "2024-10-01", "transaction_date_to": "2025-01-31"},
        lambda r: "2024-10-01" <= r["transactionDate"] <= "2025-01-31",
    ),
    "customers": lambda f: (
        {"customer_ids": [c["id"] for c in f.customers[:3]]},
        lambda r: r["customer"]["id"] in {c["id"] for c in f.customers[:3]},
    ),
    "paid": lambda f: ({"payment_status": "paid"}, lambda r: r["isPaid"]),
    "not paid": lambda f: ({"payment_status": "not_paid"}, lambda r: not r["isPaid"]),
    "ref number range (numeric)": lambda f: (
        {"ref_number_from": "1050", "ref_number_to": "1100"},
        lambda r: 1050 <= int(r["refNumber"]) <= 1100,
    ),
    "ref number starts with": lambda f: (
        {"ref_number_starts_with": "11"},
        lambda r: r["refNumber"].startswith("11"),
    ),
    "ref number ends with": lambda f: (
        {"ref_number_ends_with": "7"},
        lambda r: r["refNumber"].endswith("7"),
    ),
    "ref number contains": lambda f: (
        {"ref_number_contains": "12"},
        lambda r: "12" in r["refNumber"],
    ),
    "receivables account": lambda f: (
        {"account_ids": [f.account("Accounts Receivable")]},
        lambda r: True,
    ),
    "none: an account no invoice uses": lambda f: (
        {"account_ids": [f.account("Checking")]},
        lambda r: False,
    ),
    "none: a currency this file does not use": lambda f: (
        {"currency_ids": ["80000099-1"]},
        lambda r: False,
    ),
    "combined": lambda f: (
        {
            "customer_ids": [c["id"] for c in f.customers[:10]],
            "payment_status": "not_paid",
            "transaction_date_from": "2024-09-01",
            "updated_after": "2024-09-15",
        },
        lambda r: (
            r["customer"]["id"] in {c["id"] for c in f.customers[:10]}
            and not r["isPaid"]
            and r["transactionDate"] >= "2024-09-01"
            and r["updatedAt"] >= "2024-09-15T00:00:00+00:00"
        ),
    ),
}


@pytest.mark.parametrize("name", INVOICE_CASES)
def test_invoice_list_filters(
    name: str, facts: Facts, shared: ConductorSandbox, shared_client: conductor.Conductor
) -> None:
    params, wanted = INVOICE_CASES[name](facts)
    expected = _expected(name, facts.invoices, wanted)
    assert _collect(shared_client, "invoices", shared.end_user_id, 37, params) == expected


CUSTOMER_CASES: dict[str, Case] = {
    "active (default)": lambda f: ({}, lambda r: r["isActive"]),
    "all": lambda f: ({"status": "all"}, lambda r: True),
    "inactive": lambda f: ({"status": "inactive"}, lambda r: not r["isActive"]),
    "name contains, any case": lambda f: (
        {"name_contains": "BAKERY"},
        lambda r: r["isActive"] and "bakery" in _name(r),
    ),
    "name starts with": lambda f: (
        {"name_starts_with": "ac", "status": "all"},
        lambda r: _name(r).startswith("ac"),
    ),
    "name ends with": lambda f: (
        {"name_ends_with": "llc"},
        lambda r: r["isActive"] and _name(r).endswith("llc"),
    ),
    "name range": lambda f: (
        {"name_from": "g", "name_to": "m"},
        lambda r: r["isActive"] and "g" <= _name(r) <= "m",
    ),
    "balance above": lambda f: (
        {"total_balance_greater_than": "1000.00"},
        lambda r: r["isActive"] and Decimal(r["totalBalance"]) > 1000,
    ),
    "updated after": lambda f: (
        {"updated_after": f.middle(f.customers, "updatedAt"), "status": "all"},
        lambda r: r["updatedAt"] >= f.middle(f.customers, "updatedAt"),
    ),
    "none: a class this file does not have": lambda f: (
        {"class_ids": ["80000099-1"]},
        lambda r: False,
    ),
}


@pytest.mark.parametrize("name", CUSTOMER_CASES)
def test_customer_list_filters(
    name: str, facts: Facts, shared: ConductorSandbox, shared_client: conductor.Conductor
) -> None:
    params, wanted = CUSTOMER_CASES[name](facts)
    expected = _expected(name, facts.customers, wanted)
    assert _collect(shared_client, "customers", shared.end_user_id, 7, params) == expected


ITEM_CASES: dict[str, tuple[str, str, Case]] = {
    "service active": ("service_items", "service", lambda f: ({}, lambda r: r["isActive"])),
    "service all": ("service_items", "service", lambda f: ({"status": "all"}, lambda r: True)),
    "service inactive": (
        "service_items",
        "service",
        lambda f: ({"status": "inactive"}, lambda r: not r["isActive"]),
    ),
    "service name": (
        "service_items",
        "service",
        lambda f: ({"name_contains": "SESSION"}, lambda r: "session" in _name(r)),
    ),
    "non-inventory inactive": (
        "non_inventory_items",
        "goods",
        lambda f: ({"status": "inactive"}, lambda r: not r["isActive"]),
    ),
    "non-inventory starts with": (
        "non_inventory_items",
        "goods",
        lambda f: ({"name_starts_with": "s"}, lambda r: r["isActive"] and _name(r).startswith("s")),
    ),
}


@pytest.mark.parametrize("name", ITEM_CASES)
def test_item_list_filters(
    name: str, facts: Facts, shared: ConductorSandbox, shared_client: conductor.Conductor
) -> None:
    resource, which, case = ITEM_CASES[name]
    records = facts.service_items if which == "service" else facts.non_inventory_items
    params, wanted = case(facts)
    expected = _expected(name, records, wanted)
    assert _collect(shared_client, resource, shared.end_user_id, 3, params) == expected


PAYMENT_CASES: dict[str, Case] = {
    "all": lambda f: ({}, lambda r: True),
    "customers": lambda f: (
        {"customer_ids": [c["id"] for c in f.customers[5:12]]},
        lambda r: r["customer"]["id"] in {c["id"] for c in f.customers[5:12]},
    ),
    "dates": lambda f: (
        {"transaction_date_from": "2024-12-01", "transaction_date_to": "2025-03-31"},
        lambda r: "2024-12-01" <= r["transactionDate"] <= "2025-03-31",
    ),
    "ref number from": lambda f: (
        {"ref_number_from": "5100"},
        lambda r: int(r["refNumber"]) >= 5100,
    ),
    "updated before": lambda f: (
        {"updated_before": f.middle(f.payments, "updatedAt")},
        lambda r: r["updatedAt"] <= f.middle(f.payments, "updatedAt"),
    ),
}


@pytest.mark.parametrize("name", PAYMENT_CASES)
def test_payment_list_filters(
    name: str, facts: Facts, shared: ConductorSandbox, shared_client: conductor.Conductor
) -> None:
    params, wanted = PAYMENT_CASES[name](facts)
    expected = _expected(name, facts.payments, wanted)
    assert _collect(shared_client, "receive_payments", shared.end_user_id, 40, params) == expected


ACCOUNT_CASES: dict[str, Case] = {
    "active (default)": lambda f: ({}, lambda r: r["isActive"]),
    "all": lambda f: ({"status": "all"}, lambda r: True),
    "income": lambda f: (
        {"account_type": "income", "status": "all"},
        lambda r: r["accountType"] == "income",
    ),
    "name starts with": lambda f: (
        {"name_starts_with": "a"},
        lambda r: r["isActive"] and _name(r).startswith("a"),
    ),
}


@pytest.mark.parametrize("name", ACCOUNT_CASES)
def test_account_list_is_not_paginated(
    name: str, facts: Facts, shared: ConductorSandbox, shared_client: conductor.Conductor
) -> None:
    params, wanted = ACCOUNT_CASES[name](facts)
    page = shared_client.qbd.accounts.list(conductor_end_user_id=shared.end_user_id, **params)
    assert [a.id for a in page.data] == _expected(name, facts.accounts, wanted)
    raw = shared_client.qbd.accounts.with_raw_response.list(
        conductor_end_user_id=shared.end_user_id
    ).http_response.json()
    assert set(raw) == {"objectType", "url", "data"}


def test_account_limit(shared: ConductorSandbox, shared_client: conductor.Conductor) -> None:
    page = shared_client.qbd.accounts.list(conductor_end_user_id=shared.end_user_id, limit=3)
    assert len(page.data) == 3


def test_exact_filters_ignore_the_others(
    facts: Facts, shared: ConductorSandbox, shared_client: conductor.Conductor
) -> None:
    eu = shared.end_user_id
    wanted = [facts.invoices[5]["id"], facts.invoices[2]["id"]]
    page = shared_client.qbd.invoices.list(
        conductor_end_user_id=eu, ids=wanted, payment_status="paid", limit=1
    )
    assert [i.id for i in page.data] == wanted
    assert page.next_cursor is None

    refs = [facts.invoices[7]["refNumber"], facts.invoices[9]["refNumber"]]
    page = shared_client.qbd.invoices.list(conductor_end_user_id=eu, ref_numbers=refs)
    assert sorted(i.ref_number for i in page.data) == sorted(refs)

    inactive = next(c for c in facts.customers if not c["isActive"])
    names = [inactive["fullName"].upper(), facts.customers[0]["fullName"].lower()]
    page = shared_client.qbd.customers.list(conductor_end_user_id=eu, full_names=names)
    assert [c.id for c in page.data] == [inactive["id"], facts.customers[0]["id"]]


@pytest.mark.parametrize(
    "resource, params",
    [
        ("invoices", {"ids": ["1-1"]}),
        ("invoices", {"ref_numbers": ["NO-SUCH-REF"]}),
        ("customers", {"full_names": ["Nobody At All"]}),
        ("service_items", {"ids": ["80000001-1"]}),
    ],
)
def test_exact_filters_that_match_nothing_are_errors(
    resource: str,
    params: dict[str, Any],
    shared: ConductorSandbox,
    shared_client: conductor.Conductor,
) -> None:
    with pytest.raises(conductor.InternalServerError) as caught:
        getattr(shared_client.qbd, resource).list(
            conductor_end_user_id=shared.end_user_id, **params
        )
    error = caught.value.body["error"]  # type: ignore[index]
    assert caught.value.status_code == 502
    assert error["type"] == "INTEGRATION_ERROR"
    assert error["code"] == "QBD_REQUEST_ERROR"
    assert "could not be found in QuickBooks" in error["message"]


def test_an_empty_ids_value_is_an_error(shared: ConductorSandbox) -> None:
    """conductor-py drops empty strings from arrays, so this is sent by hand."""
    response = requests.get(
        f"{shared.base_url}/quickbooks-desktop/invoices?ids=",
        headers={
            "Authorization": f"Bearer {shared.secret_key}",
            "Conductor-End-User-Id": shared.end_user_id,
        },
        timeout=10,
    )
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "QBD_REQUEST_ERROR"


def test_line_items_and_linked_transactions_are_optional(
    facts: Facts, shared: ConductorSandbox, shared_client: conductor.Conductor
) -> None:
    eu = shared.end_user_id
    paid = [r["id"] for r in facts.invoices if r["isPaid"]][:3]
    bare = shared_client.qbd.invoices.list(
        conductor_end_user_id=eu, ids=paid, include_line_items=False
    )
    assert all(i.lines == [] and i.linked_transactions == [] for i in bare.data)
    full = shared_client.qbd.invoices.list(
        conductor_end_user_id=eu, ids=paid, include_linked_transactions=True
    )
    for invoice in full.data:
        assert invoice.lines
        assert [t.transaction_type for t in invoice.linked_transactions] == ["receive_payment"]
        assert sum(-Decimal(t.amount or "0") for t in invoice.linked_transactions) == Decimal(
            invoice.applied_amount or "0"
        )


def test_a_cursor_from_another_list_is_refused(
    shared: ConductorSandbox, shared_client: conductor.Conductor
) -> None:
    eu = shared.end_user_id
    page = shared_client.qbd.invoices.list(conductor_end_user_id=eu, limit=5)
    with pytest.raises(conductor.BadRequestError):
        shared_client.qbd.customers.list(conductor_end_user_id=eu, cursor=page.next_cursor)


def test_limit_is_bounded(shared: ConductorSandbox, shared_client: conductor.Conductor) -> None:
    with pytest.raises(conductor.BadRequestError) as caught:
        shared_client.qbd.invoices.list(conductor_end_user_id=shared.end_user_id, limit=151)
    assert (
        'Too big: expected number to be <=150 at "limit"' in caught.value.body["error"]["message"]
    )  # type: ignore[index]
