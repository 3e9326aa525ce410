"""The sales tax QuickBooks will add, and how a create's reply can differ from what was sent."""

from __future__ import annotations

from decimal import Decimal

from app.domain.invoice_reply import differences
from app.engine.sales_tax import invoice_tax

CODES = {"T": {"id": "T", "isTaxable": True}, "N": {"id": "N", "isTaxable": False}}
ITEMS = {"svc": {"salesTaxCode": {"id": "T"}}, "fee": {"salesTaxCode": {"id": "N"}}}
TAXED = {"salesTaxCode": {"id": "T"}, "salesTaxItem": {"id": "rate"}}
BODY = {
    "externalId": "e1",
    "customerId": "c1",
    "refNumber": "1044",
    "lines": [{"itemId": "svc", "amount": 100}, {"itemId": "fee", "amount": 40}],
}


def test_only_taxable_lines_of_a_taxable_customer_are_taxed_at_its_rate() -> None:
    rates = {"rate": {"taxRate": "7.5"}}
    tax = invoice_tax(
        BODY, sales_tax_on=True, customer=TAXED, items=ITEMS, tax_codes=CODES, tax_items=rates
    )
    assert tax == Decimal("7.50")
    exempt = {**TAXED, "salesTaxCode": {"id": "N"}}
    assert invoice_tax(
        BODY, sales_tax_on=True, customer=exempt, items=ITEMS, tax_codes=CODES, tax_items=rates
    ) == Decimal("0.00")


def test_tax_off_is_none_added_and_an_unknown_rate_is_unknown() -> None:
    off = invoice_tax(BODY, sales_tax_on=False, customer={}, items={}, tax_codes={}, tax_items={})
    assert off == Decimal("0.00")
    unknown = invoice_tax(
        BODY, sales_tax_on=True, customer=TAXED, items=ITEMS, tax_codes=CODES, tax_items=None
    )
    assert unknown is None


def test_a_reply_is_compared_on_external_id_customer_number_and_subtotal() -> None:
    saved = {
        "externalId": "e1",
        "customer": {"id": "c1"},
        "refNumber": "1044",
        "subtotal": "140.00",
    }
    assert differences(BODY, saved) == []
    wrong = {**saved, "customer": {"id": "c2"}, "subtotal": "141.00"}
    found = differences(BODY, wrong)
    assert len(found) == 2 and "customer" in found[0] and "subtotal" in found[1]
