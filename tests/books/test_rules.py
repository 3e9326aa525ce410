"""The pure parts: pre-flight rules, the double-entry match, reconciliation words and storage."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.domain.invoice_draft import InvoiceDraft, InvoicePreview, InvoicePreviewLine
from app.domain.outcomes import Problem
from app.engine import preflight
from app.engine.books.model import (
    Comparison,
    CustomerFigures,
    Difference,
    Kind,
    Reconciliation,
    Totals,
)
from app.engine.double_entry import first_entry
from app.engine.recorder import _changed
from app.store import PaymentFact, ReconciliationRow

BOOKS = preflight.Books(closing_date="2025-03-31", home_currency=None, sales_tax_on=True)


def _draft(day: str = "2025-04-02", total: str = "500.00", **body: object) -> InvoiceDraft:
    lines = [{"itemId": "I1", "quantity": 1}]
    preview = InvoicePreview(
        "006A",
        "Deal",
        "Acme",
        "C1",
        day,
        (InvoicePreviewLine("Consulting", "", Decimal(1), Decimal(total), Decimal(total), "I1"),),
        Decimal(total),
        Decimal(total),
        (),
    )
    return InvoiceDraft(
        "ext", {"customerId": "C1", "transactionDate": day, "lines": lines, **body}, preview
    )


CUSTOMER = {"id": "C1", "fullName": "Acme", "isActive": True, "totalBalance": "900.00"}
ITEMS = {"I1": {"id": "I1", "fullName": "Consulting", "isActive": True}}


def _codes(problems: tuple[Problem, ...]) -> list[str]:
    return [p.code for p in problems]


def test_invoice_rules() -> None:
    ok = preflight.check_invoice(_draft(), BOOKS, {"C1": CUSTOMER}, ITEMS, {}, {})
    assert ok == ()
    closed = preflight.check_invoice(_draft("2025-03-31"), BOOKS, {"C1": CUSTOMER}, ITEMS, {}, {})
    assert _codes(closed) == [preflight.CLOSING_DATE]
    assert _codes(preflight.check_invoice(_draft(), BOOKS, {}, ITEMS, {}, {})) == [
        preflight.CUSTOMER_MISSING
    ]
    inactive = {"I1": {**ITEMS["I1"], "isActive": False}}
    assert _codes(preflight.check_invoice(_draft(), BOOKS, {"C1": CUSTOMER}, inactive, {}, {})) == [
        preflight.ITEM_INACTIVE
    ]
    assert _codes(preflight.check_invoice(_draft(), BOOKS, {"C1": CUSTOMER}, {}, {}, {})) == [
        preflight.ITEM_MISSING
    ]


def test_credit_limit_counts_earlier_invoices_of_the_same_batch() -> None:
    limited = {"C1": {**CUSTOMER, "creditLimit": "1600.00"}}
    used: dict[str, Decimal] = {}
    assert preflight.check_invoice(_draft(), BOOKS, limited, ITEMS, {}, used) == ()
    assert used == {"C1": Decimal("500.00")}
    second = preflight.check_invoice(_draft(), BOOKS, limited, ITEMS, {}, used)
    assert _codes(second) == [preflight.CREDIT_LIMIT]
    assert "from $1,400.00 to $1,900.00" in second[0].message and "$1,600.00" in second[0].message


def test_currency_and_sales_tax_codes() -> None:
    multi = preflight.Books(None, {"id": "USD1", "fullName": "US Dollar"}, sales_tax_on=True)
    foreign = {"C1": {**CUSTOMER, "currency": {"id": "CAD1", "fullName": "Canadian Dollar"}}}
    assert _codes(preflight.check_invoice(_draft(), multi, foreign, ITEMS, {}, {})) == [
        preflight.CURRENCY
    ]
    home = {"C1": {**CUSTOMER, "currency": {"id": "USD1", "fullName": "US Dollar"}}}
    assert preflight.check_invoice(_draft(), multi, home, ITEMS, {}, {}) == ()
    taxed = _draft(salesTaxCodeId="T1")
    codes = {"T1": {"id": "T1", "name": "Tax", "isActive": True}}
    assert preflight.check_invoice(taxed, BOOKS, {"C1": CUSTOMER}, ITEMS, codes, {}) == ()
    retired = {"T1": {**codes["T1"], "isActive": False}}
    problems = preflight.check_invoice(taxed, BOOKS, {"C1": CUSTOMER}, ITEMS, retired, {})
    assert _codes(problems) == [preflight.SALES_TAX_CODE] and "inactive" in problems[0].message
    assert _codes(preflight.check_invoice(taxed, BOOKS, {"C1": CUSTOMER}, ITEMS, {}, {})) == [
        preflight.SALES_TAX_CODE
    ]
    off = preflight.Books(None, None, sales_tax_on=False)
    problems = preflight.check_invoice(taxed, off, {"C1": CUSTOMER}, ITEMS, {}, {})
    assert "turned off" in problems[0].message


def test_preferences_are_read_as_the_checks_need_them() -> None:
    books = preflight.Books.from_preferences(
        {
            "accounting": {"closingDate": "2025-03-31"},
            "multiCurrency": {"isMultiCurrencyEnabled": False, "homeCurrency": {"id": "X"}},
            "salesTax": None,
        }
    )
    assert books == preflight.Books("2025-03-31", None, sales_tax_on=False)


def test_customer_names_are_compared_without_case() -> None:
    taken = {"office depot": "vendor"}
    [problem] = preflight.check_customer_name("Office DEPOT", None, taken)
    assert problem.code == preflight.NAME_IN_USE and "for a vendor" in problem.message
    assert preflight.check_customer_name("Office Supplies Co", None, taken) == ()


def _fact(qb_id: str, day: str, *, ref: str | None = None, at: str = "", cents: int = 25000):
    return PaymentFact(qb_id, "C1", cents, day, ref, at or f"2025-06-{qb_id[-1]}T00:00:00")


def test_double_entry_match() -> None:
    original = _fact("P1", "2025-06-10")
    assert first_entry(_fact("P2", "2025-06-12"), [original]) == original
    assert first_entry(original, [original, _fact("P2", "2025-06-12")]) is None, "entered first"
    assert first_entry(_fact("P2", "2025-06-14"), [original]) is None, "four days apart"
    assert first_entry(_fact("P2", "2025-06-10", cents=25001), [original]) is None
    numbered = _fact("P1", "2025-06-10", ref="1001")
    assert first_entry(_fact("P2", "2025-06-10", ref="1002"), [numbered]) is None
    assert first_entry(_fact("P2", "2025-06-10", ref="1001"), [numbered]) == numbered
    assert first_entry(_fact("P2", "2025-06-10"), [numbered]) == numbered


def test_field_changes_flatten_nested_values() -> None:
    before = {"name": "Acme", "billingAddress": {"city": "Reno", "state": "NV"}, "phone": None}
    after = {"name": "Acme", "billingAddress": {"city": "Tacoma", "state": "NV"}, "phone": "5"}
    assert list(_changed(before, after)) == [
        ("billingAddress.city", "Reno", "Tacoma"),
        ("phone", None, "5"),
    ]


def test_reconciliation_words_and_storage() -> None:
    found = Reconciliation(
        checked_at="2025-07-01T10:00:00+00:00",
        period_from=date(2025, 6, 1),
        period_to=date(2025, 6, 30),
        open_invoices=Comparison(
            quickbooks=Totals(count=412, total=Decimal("81234.10")),
            salesforce=Totals(count=409, total=Decimal("80990.00")),
        ),
        payments=Comparison(
            quickbooks=Totals(count=1, total=Decimal("5.00")),
            salesforce=Totals(count=1, total=Decimal("5.00")),
        ),
        customers=[
            CustomerFigures(
                qb_id="C1",
                name="Acme",
                open_invoices=Comparison(
                    quickbooks=Totals(count=3, total=Decimal("244.10")),
                    salesforce=Totals(count=0, total=Decimal(0)),
                ),
            )
        ],
        differences=[
            Difference(
                workflow="invoices",
                kind=Kind.MISSING_IN_SALESFORCE,
                qb_id=f"Q{n}",
                ref=f"10{n}",
                customer="Acme",
                quickbooks_amount=Decimal("81.37"),
                salesforce_amount=None,
                sf_id=None,
                detail="Salesforce has no record of it.",
            )
            for n in range(3)
        ],
    )
    assert found.headline() == (
        "QuickBooks has 412 open invoices totalling $81,234.10; Salesforce shows 409 totalling "
        "$80,990.00: 3 missing in Salesforce, listed below."
    )
    assert found.payment_sentence().endswith(
        "1 payment totalling $5.00; Salesforce shows 1 totalling $5.00: they agree to the cent."
    )
    assert not found.clean and found.fix_ids() == {"invoices": {"Q0", "Q1", "Q2"}}
    row = ReconciliationRow(7, 3, "now", "after sync", "me", False, found.to_json())
    again = Reconciliation.from_row(row)
    assert again.to_json() == found.to_json() and (again.id, again.run_id) == (7, 3)
    assert again.report_lines() == found.report_lines()
