from __future__ import annotations

from decimal import Decimal

from app.domain.hashing import content_hash
from app.domain.mapping_file import default_mapping
from app.domain.record_mapping import map_quickbooks_record

from .conftest import load_example


def test_hash_ignores_key_order_at_every_level() -> None:
    one = {"Name": "INV-1", "Account__r": {"a": 1, "b": 2}, "Amount__c": Decimal("5.00")}
    two = {"Amount__c": Decimal("5.00"), "Account__r": {"b": 2, "a": 1}, "Name": "INV-1"}
    assert content_hash(one) == content_hash(two)


def test_hash_treats_equal_numbers_alike() -> None:
    forms = [Decimal("1000.00"), Decimal("1000"), Decimal("1E+3"), Decimal("1000.0"), 1000, 1000.0]
    assert len({content_hash({"Amount__c": form}) for form in forms}) == 1
    assert content_hash({"x": Decimal("0.00")}) == content_hash({"x": Decimal("-0")})


def test_hash_tells_numbers_from_text_and_none() -> None:
    hashes = {
        content_hash({"x": Decimal("1000")}),
        content_hash({"x": "1000"}),
        content_hash({"x": None}),
        content_hash({"x": ""}),
        content_hash({"x": False}),
        content_hash({"x": 0}),
        content_hash({}),
    }
    assert len(hashes) == 7


def test_hash_changes_with_any_value() -> None:
    base = {"Name": "INV-1", "Amount__c": Decimal("5.00")}
    assert content_hash(base) != content_hash({**base, "Amount__c": Decimal("5.01")})
    assert content_hash(base) != content_hash({**base, "Name": "INV-2"})


def test_hash_is_stable_across_runs() -> None:
    # A fixed value: the hash must not depend on the process, the platform or Python's hash seed.
    record = {"Name": "Café 😀", "Amount__c": Decimal("12.50"), "Paid": True, "Lines": [1, "2"]}
    assert content_hash(record) == (
        "d93c661269ce02ab1f95c66bf07adf6bac62b8b8692e7d656d264d41579233ba"
    )


def test_mapped_example_hashes_identically_when_mapped_again() -> None:
    invoice = load_example("example_invoice")
    first = map_quickbooks_record(default_mapping(), "invoices", invoice).record
    reordered = dict(reversed(list(invoice.items())))
    second = map_quickbooks_record(default_mapping(), "invoices", reordered).record
    assert first is not None and second is not None
    assert content_hash(first) == content_hash(second)
