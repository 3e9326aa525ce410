"""Hostile input: whatever people type at either end, a sync writes it correctly or reports that
one record in plain words; it never crashes and never writes something else.

The writers are checked on their own (any text, any amount, any id), then through the real
sandboxes with a bounded number of examples: hostile account names and addresses into QuickBooks
customers, hostile item names and descriptions into Salesforce products, hostile QuickBooks ids
typed into Salesforce, and opportunity lines with awkward amounts approved into invoices.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.commands.sync import write_items_csv
from app.domain.mapping_file import default_mapping
from app.domain.record_mapping import (
    map_quickbooks_record,
    map_salesforce_record,
    quickbooks_create_body,
    quickbooks_update_body,
    salesforce_json,
)
from app.domain.salesforce_ids import external_id_for
from app.domain.text import clean_text
from app.engine.engine import SyncEngine
from app.engine.mirror_bulk import csv_value, flatten
from app.engine.result import RunStatus
from app.quickbooks.client import _snake
from app.sandbox.conductor.errors import ConductorError
from app.sandbox.launcher import Sandboxes
from app.store.models import RunItem
from tests.reliability.harness import SalesforceUser, engine_for, small_world

pytestmark = pytest.mark.slow

CONFIG = default_mapping()
#: Pieces people (and systems) really put in names: scripts, marks, controls, URL characters.
NASTY = [
    "\x00",
    "\x07",
    "\x1b[31m",
    "\t",
    "\r\n",
    "\u2028",
    "\u202e",
    "\u200d",
    "\ufeff",
    "👩‍👩‍👧‍👦",
    "🏳️‍🌈",
    "שלום",
    "مرحبا",
    "日本語",
    "Ǆ",
    "e\u0301",
    "%",
    "%2F",
    "/",
    "\\",
    "+",
    "&",
    "?",
    "#",
    ":",
    "'",
    '"',
    "<b>",
    "' OR 1=1 --",
    "=HYPERLINK()",
    "#N/A",
    " ",
]
hostile_text = st.lists(
    st.one_of(
        st.sampled_from(NASTY),
        st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12),
    ),
    max_size=6,
).map("".join)
long_text = st.integers(min_value=30, max_value=5000).map(lambda n: "Ω" * n)
any_text = st.one_of(hostile_text, long_text)
PLAIN = re.compile(r"Traceback|File \"|\w+(Error|Exception)\b|<[\w.]+ object at")
FAST = settings(max_examples=150, deadline=None, database=None, derandomize=True)
LIVE = settings(
    max_examples=20,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _json(value: Any) -> str:
    """What goes on the wire; NaN, Infinity or an unknown type would fail here."""
    return json.dumps(value, allow_nan=False, ensure_ascii=False)


# -- the writers on their own -----------------------------------------------------------------
account = st.fixed_dictionaries(
    {
        "Id": st.just("001000000000001AAA"),
        "Name": st.one_of(st.none(), any_text),
        "BillingStreet": st.one_of(st.none(), any_text),
        "BillingCity": st.one_of(st.none(), any_text),
        "Phone": st.one_of(st.none(), any_text),
        "Email__c": st.one_of(st.none(), any_text),
    }
)


@FAST
@given(record=account)
def test_account_bodies_for_quickbooks_are_clean_json_or_problems(
    record: dict[str, Any], figures: Counter[str]
) -> None:
    figures["inputs tried"] += 1
    result = map_salesforce_record(CONFIG, "customers", record)
    if result.record is None:
        assert result.problems and all(
            p.message and not PLAIN.search(p.message) for p in result.problems
        )
        return
    for body in (
        quickbooks_create_body(result.record, external_id_for(record["Id"])),
        quickbooks_update_body(result.record, "1"),
    ):
        wire = _json(_snake(body))
        assert "\\u0000" not in wire and "\x1b" not in wire
    name = clean_text(record["Name"] or "")
    assert result.record["name"] == name


amount = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=8).map(str),
    st.sampled_from(
        ["0", "-0.00", "-1.005", "0.005", "1e3", "123456789012345.678", "NaN", "1e400"]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
)
invoice = st.fixed_dictionaries(
    {
        "id": st.one_of(st.just("1A-1719742907"), any_text),
        "refNumber": st.one_of(st.none(), any_text),
        "customer": st.one_of(st.none(), st.fixed_dictionaries({"id": any_text})),
        "subtotal": amount,
        "salesTaxTotal": amount,
        "balanceRemaining": amount,
        "memo": st.one_of(st.none(), any_text),
        "isPaid": st.one_of(st.none(), st.booleans(), any_text),
        "transactionDate": st.one_of(st.none(), st.just("2025-02-30"), st.just("2025-02-28")),
    }
)


@FAST
@given(record=invoice)
def test_invoice_mirrors_for_salesforce_are_clean_json_or_problems(
    record: dict[str, Any], figures: Counter[str]
) -> None:
    figures["inputs tried"] += 1
    result = map_quickbooks_record(CONFIG, "invoices", record)
    if result.record is None:
        assert result.problems and all(
            p.message and not PLAIN.search(p.message) for p in result.problems
        )
        return
    mapped = salesforce_json(result.record)
    _json(mapped)
    for field in ("Subtotal__c", "Sales_Tax_Total__c", "Balance_Remaining__c"):
        value = mapped.get(field)
        if value is not None:
            assert Decimal(str(value)) == Decimal(str(value)).quantize(Decimal("0.01"))
    row = {k: csv_value(v) for k, v in flatten(mapped).items()}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=sorted(row))
    writer.writeheader()
    writer.writerow(row)
    assert next(csv.DictReader(io.StringIO(buffer.getvalue()))) == row, "Bulk CSV round trip"


@FAST
@given(rows=st.lists(st.tuples(any_text, any_text, any_text), min_size=1, max_size=4))
def test_history_export_keeps_every_field_whole(
    rows: list[tuple[str, str, str]],
    tmp_path_factory: pytest.TempPathFactory,
    figures: Counter[str],
) -> None:
    figures["inputs tried"] += len(rows)
    items = [RunItem(1, "customers", key, "failed", qb_id=qb, message=msg) for key, qb, msg in rows]
    path = tmp_path_factory.mktemp("export") / "run.csv"
    write_items_csv(path, items)
    with path.open(newline="", encoding="utf-8") as handle:
        read = list(csv.DictReader(handle))
    exported = [(r["record"], r["quickbooks_id"], r["message"]) for r in read]
    assert len(exported) == len(rows)
    for got, sent in zip(exported, rows, strict=True):
        for value, original in zip(got, sent, strict=True):
            # A leading quote may guard a value a spreadsheet would run as a formula.
            assert value in (original, "'" + original), (value, original)


# -- through the sandboxes ------------------------------------------------------------------
@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandboxes, SyncEngine]]:
    with small_world(seed=911) as sandboxes:
        engine = engine_for(sandboxes, tmp_path_factory.mktemp("hostile"))
        assert engine.run().status is RunStatus.SUCCEEDED
        yield sandboxes, engine
        engine.store.close()
        assert sandboxes.conductor.internal_errors == []


def _problems_are_plain(engine: SyncEngine, run_id: int) -> dict[str, str]:
    failed = engine.store.run_items(run_id, "failed")
    for item in failed:
        assert item.message and not PLAIN.search(item.message), item
    return {i.sf_id or i.qb_id or "": i.message or "" for i in failed}


@LIVE
@given(
    names=st.lists(any_text, min_size=1, max_size=3),
    streets=st.lists(any_text, min_size=3, max_size=3),
)
def test_hostile_accounts_become_exact_customers_or_plain_problems(
    live: tuple[Sandboxes, SyncEngine],
    names: list[str],
    streets: list[str],
    figures: Counter[str],
) -> None:
    sandboxes, engine = live
    user = SalesforceUser(sandboxes)
    created: dict[str, str] = {}
    for name, street in zip(names, streets, strict=False):
        unique = f"H{len(sandboxes.salesforce.records('Account'))} {name}"
        try:
            account_id = user.create(
                "Account", Name=unique, BillingStreet=street, Sync_To_QuickBooks__c=True
            )
        except AssertionError:
            continue  # Salesforce itself refused it (too long for its own field)
        created[account_id] = unique
    figures["inputs tried"] += 2 * len(created)
    result = engine.run(["customers"])
    assert result.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL), result.error
    problems = _problems_are_plain(engine, result.run_id)
    customers = {
        c["externalId"]: c for c in sandboxes.conductor.qb.all("customer") if c.get("externalId")
    }
    for account_id, name in created.items():
        customer = customers.get(external_id_for(account_id))
        if customer is None:
            assert account_id in problems, f"{name!r}: neither created nor reported"
        else:
            assert customer["name"] == clean_text(name)


@LIVE
@given(items=st.lists(st.tuples(any_text, any_text), min_size=1, max_size=3))
def test_hostile_items_become_exact_products_or_plain_problems(
    live: tuple[Sandboxes, SyncEngine], items: list[tuple[str, str]], figures: Counter[str]
) -> None:
    sandboxes, engine = live
    qb = sandboxes.conductor.qb
    made: dict[str, tuple[str, str]] = {}
    for name, description in items:
        unique = f"I{qb.count('service_item')} {name}"[:31]
        try:
            item = qb.add_item(
                unique,
                salesOrPurchaseDetails={
                    "description": description[:4095],
                    "price": "10.00",
                    "postingAccountId": qb.account_id("Service Income"),
                },
            )
        except ConductorError:
            continue  # QuickBooks itself refused it (its own name rules)
        made[item["id"]] = (unique, description[:4095])
    figures["inputs tried"] += 2 * len(made)
    result = engine.run(["items"])
    assert result.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL), result.error
    problems = _problems_are_plain(engine, result.run_id)
    products = {p["QuickBooks_Item_Id__c"]: p for p in sandboxes.salesforce.records("Product2")}
    for item_id, (name, description) in made.items():
        product = products.get(item_id)
        if product is None:
            assert item_id in problems, f"{name!r}: neither mirrored nor reported"
        else:
            assert product["Name"] == clean_text(name)
            assert (product["Description"] or "") == clean_text(description, multiline=True)


QUICKBOOKS_IDS = [
    "../invoices",
    "a/b",
    "a b",
    "50%",
    "%2e%2e%2finvoices",
    "a+b",
    "é/ü",
    "80000018-1716742824/../../x",
    "?x=1",
    "#frag",
    "x\\y",
    "８０",
    "80000018-1716742824 ",
]


@LIVE
@given(typed=st.one_of(st.sampled_from(QUICKBOOKS_IDS), hostile_text.filter(lambda t: t.strip())))
def test_hostile_quickbooks_ids_typed_in_salesforce_never_reach_a_url(
    live: tuple[Sandboxes, SyncEngine], typed: str, figures: Counter[str]
) -> None:
    sandboxes, engine = live
    user = SalesforceUser(sandboxes)
    try:
        account_id = user.create(
            "Account",
            Name=f"Typed id {len(sandboxes.salesforce.records('Account'))}",
            QuickBooks_Customer_Id__c=typed[:64],
            Sync_To_QuickBooks__c=True,
        )
    except AssertionError:
        return  # Salesforce refused the value itself (its external id rules)
    figures["inputs tried"] += 1
    before = len(sandboxes.conductor.requests())
    result = engine.run(["customers"])
    assert result.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL), result.error
    problems = _problems_are_plain(engine, result.run_id)
    assert account_id in problems
    for request in sandboxes.conductor.requests()[before:]:
        path = request["path"].removeprefix("/v1/quickbooks-desktop/")
        assert re.fullmatch(r"[a-z-]+(/[0-9A-Za-z]+-[0-9A-Za-z]+)?", path), request


LINES = st.tuples(
    st.one_of(
        st.decimals(min_value=Decimal("0.00001"), max_value=Decimal("100000"), places=6),
        st.sampled_from([Decimal("0.00001"), Decimal("1e9"), Decimal("3")]),
    ),
    st.one_of(
        st.decimals(min_value=Decimal("-10000"), max_value=Decimal("10000"), places=6),
        st.sampled_from([Decimal("0"), Decimal("-0.005"), Decimal("0.015"), Decimal("1e9")]),
    ),
)


@LIVE
@given(lines=st.lists(LINES, min_size=1, max_size=3))
@example(lines=[(Decimal("1e9"), Decimal("1e9"))])  # a product too large for any amount
def test_awkward_amounts_become_the_invoice_previewed_or_plain_problems(
    live: tuple[Sandboxes, SyncEngine], lines: list[tuple[Decimal, Decimal]], figures: Counter[str]
) -> None:
    sandboxes, engine = live
    user = SalesforceUser(sandboxes)
    accounts = [
        a["Id"]
        for a in sandboxes.salesforce.records("Account")
        if a.get("QuickBooks_Customer_Id__c")
    ]
    products = [
        p["Id"] for p in sandboxes.salesforce.records("Product2") if p.get("QuickBooks_Item_Id__c")
    ]
    opportunity = user.create(
        "Opportunity",
        Name=f"Awkward {len(sandboxes.salesforce.records('Opportunity'))}",
        AccountId=accounts[0],
        StageName="Closed Won",
        CloseDate="2025-06-02",
    )
    for n, (quantity, price) in enumerate(lines):
        with contextlib.suppress(AssertionError):  # Salesforce refused the line itself
            user.create(
                "OpportunityLineItem",
                OpportunityId=opportunity,
                PricebookEntryId=user.standard_price(products[n % len(products)], 1.0),
                Quantity=float(quantity),
                UnitPrice=float(price),
            )
    figures["inputs tried"] += len(lines)
    queue = {c.id: c for c in engine.review_queue()}
    draft = queue[opportunity].draft
    result = engine.approve([opportunity])
    assert result.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL), result.error
    problems = _problems_are_plain(engine, result.run_id)
    made = [
        i for i in sandboxes.conductor.qb.all("invoice") if i.get("externalId") == draft.external_id
    ]
    if made:
        assert len(made) == 1
        assert Decimal(made[0]["subtotal"]) == draft.preview.subtotal, "the invoice previewed"
    else:
        assert opportunity in problems
