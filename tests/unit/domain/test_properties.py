"""Whatever the records hold, mapping returns a record or problems and never raises."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.hashing import content_hash
from app.domain.invoice_draft import draft_invoice
from app.domain.mapping_file import check_mapping, default_mapping
from app.domain.money import InvalidAmountError, parse_money
from app.domain.outcomes import MapResult
from app.domain.record_mapping import (
    map_quickbooks_record,
    map_salesforce_record,
    quickbooks_create_body,
    quickbooks_update_body,
    salesforce_json,
)
from app.domain.text import clean_text, utf16_length

from .conftest import load_example

CONFIG = default_mapping()
PROPERTY_SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

any_text = st.text(
    alphabet=st.characters(exclude_categories=()),  # surrogates and controls included
    max_size=300,
)
amount_text = st.decimals(allow_nan=True, allow_infinity=True).map(str)
many_decimals = st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=12).map(
    str
)
scalar = st.one_of(
    st.none(),
    any_text,
    amount_text,
    many_decimals,
    st.integers(),
    st.floats(),
    st.booleans(),
    st.decimals(allow_nan=True),
    st.just("2024-10-01"),
    st.just("2025-02-01T12:34:56+00:00"),
)
value = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)

QB_EXAMPLES = {
    "invoices": load_example("example_invoice"),
    "payments": load_example("example_qbd_receive_payment"),
    "items": load_example("example_qbd_service_item"),
    "customers": load_example("example_customer"),
}


def assert_well_formed(result: MapResult) -> None:
    assert (result.record is None) != (not result.problems)
    for problem in result.problems:
        assert problem.message.strip()
    if result.record is not None:
        content_hash(result.record)
        json.dumps(salesforce_json(result.record))


def scrambled(example: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    record = json.loads(json.dumps(example))
    keys = list(record)
    for index, (_, new_value) in enumerate(changes.items()):
        record[keys[index * 7 % len(keys)]] = new_value
    return record


@PROPERTY_SETTINGS
@given(
    workflow=st.sampled_from(sorted(QB_EXAMPLES)),
    changes=st.dictionaries(st.text(max_size=4), value, max_size=8),
)
def test_quickbooks_records_map_or_report(workflow: str, changes: dict[str, Any]) -> None:
    record = scrambled(QB_EXAMPLES[workflow], changes)
    assert_well_formed(map_quickbooks_record(CONFIG, workflow, record))


@PROPERTY_SETTINGS
@given(
    workflow=st.sampled_from(sorted(QB_EXAMPLES)),
    record=st.dictionaries(st.sampled_from(["id", "refNumber", "customer", "subtotal", "name",
                                            "fullName", "totalAmount", "updatedAt", "isPaid",
                                            "salesOrPurchaseDetails", "balance"]), value),
)  # fmt: skip
def test_sparse_quickbooks_records_map_or_report(workflow: str, record: dict[str, Any]) -> None:
    assert_well_formed(map_quickbooks_record(CONFIG, workflow, record))


account_fields = st.fixed_dictionaries(
    {},
    optional={
        name: value
        for name in ("Name", "BillingStreet", "BillingCity", "BillingState",
                     "BillingPostalCode", "BillingCountry", "Phone", "Email__c")
    },
)  # fmt: skip


@PROPERTY_SETTINGS
@given(account=account_fields)
def test_salesforce_accounts_map_or_report(account: dict[str, Any]) -> None:
    result = map_salesforce_record(CONFIG, "customers", account)
    assert_well_formed(result)
    if result.record is not None:
        assert utf16_length(result.record["name"]) <= 41
        body = quickbooks_create_body(result.record, "guid")
        json.dumps(body)
        json.dumps(quickbooks_update_body(result.record, "1"))
        for line in ("line1", "line2", "line3", "line4", "line5"):
            assert utf16_length(body.get("billingAddress", {}).get(line, "")) <= 41


@PROPERTY_SETTINGS
@given(name=any_text)
def test_any_unicode_name_is_kept_whole_or_refused(name: str) -> None:
    result = map_salesforce_record(CONFIG, "customers", {"Name": name})
    if result.record is not None:
        assert result.record["name"] == clean_text(name)  # never cut short
    else:
        assert {p.code for p in result.problems} <= {"missing", "too_long", "broken_characters"}
        assert all(p.field == "Name" for p in result.problems)


@PROPERTY_SETTINGS
@given(
    opportunity=st.fixed_dictionaries(
        {"Id": st.one_of(st.just("0065g00000AbCdEAAV"), scalar)},
        optional={"Name": value, "CloseDate": value, "Amount": value, "Account": value,
                  "AccountId": value},
    ),
    lines=st.lists(
        st.fixed_dictionaries(
            {},
            optional={"Product2Id": value, "Product2": value, "Description": value,
                      "Quantity": value, "UnitPrice": value, "TotalPrice": value,
                      "ServiceDate": value},
        ),
        max_size=3,
    ),
)  # fmt: skip
def test_opportunity_drafts_never_raise(
    opportunity: dict[str, Any], lines: list[dict[str, Any]]
) -> None:
    draft = draft_invoice(CONFIG, opportunity, lines, item_links={"x": "y"})
    assert (draft.body is None) == bool(draft.problems)
    if draft.body is not None:
        json.dumps(draft.body)


@PROPERTY_SETTINGS
@given(amount=many_decimals)
def test_amounts_with_many_decimals_land_on_two(amount: str) -> None:
    invoice = dict(QB_EXAMPLES["invoices"], subtotal=amount)
    record = map_quickbooks_record(CONFIG, "invoices", invoice).record
    assert record is not None
    subtotal = record["Subtotal__c"]
    assert subtotal.as_tuple().exponent == -2
    assert abs(subtotal - Decimal(amount)) <= Decimal("0.005")


@PROPERTY_SETTINGS
@given(raw=scalar)
def test_money_parsing_returns_or_refuses(raw: object) -> None:
    try:
        parsed = parse_money(raw)
    except InvalidAmountError:
        return
    assert parsed.is_finite() and parsed.as_tuple().exponent == -2


@PROPERTY_SETTINGS
@given(record=st.dictionaries(st.text(max_size=5), value, max_size=6))
def test_hash_does_not_depend_on_key_order(record: dict[str, Any]) -> None:
    digest = content_hash(record)
    assert content_hash(dict(reversed(list(record.items())))) == digest


@settings(max_examples=80, deadline=None)
@given(text=st.one_of(any_text, st.binary(max_size=200)))
def test_any_mapping_file_text_gives_issues_or_maps(text: str | bytes) -> None:
    issues = check_mapping(text)
    assert all(str(issue) for issue in issues)
