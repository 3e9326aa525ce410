from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from app.domain.fieldmap import MappingConfig
from app.domain.mapping_file import default_mapping_text, parse_mapping
from app.domain.outcomes import MapResult
from app.domain.record_mapping import (
    deleted_mark,
    invoice_status,
    map_quickbooks_record,
    map_salesforce_record,
    quickbooks_create_body,
    quickbooks_update_body,
    salesforce_json,
    writeback_record,
)

from .conftest import load_example


def account(**fields: Any) -> dict[str, Any]:
    record = {
        "attributes": {"type": "Account"},
        "Id": "001000000000001AAA",
        "Name": "Acme Inc.",
        "BillingStreet": "540 Market St.\nSuite 100",
        "BillingCity": "San Francisco",
        "BillingState": "CA",
        "BillingPostalCode": "94110",
        "BillingCountry": "United States",
        "Phone": "+1-555-123-4567",
        "Email__c": "ap@acme.example.com",
    }
    record.update(fields)
    return record


def only_problem(result: MapResult) -> Any:
    assert result.record is None
    [problem] = result.problems
    return problem


# QuickBooks -> Salesforce, from Conductor's own example objects.


def test_invoice_maps_to_quickbooks_invoice_object(config: MappingConfig) -> None:
    result = map_quickbooks_record(config, "invoices", load_example("example_invoice"))
    assert result.record == {
        "QuickBooks_Invoice_Id__c": "123ABC-1234567890",
        "Name": "INV-1234",
        "Account__r": {"QuickBooks_Customer_Id__c": "80000001-1234567890"},
        "Transaction_Date__c": "2024-10-01",
        "Due_Date__c": "2024-10-31",
        "Subtotal__c": Decimal("1000.00"),
        "Sales_Tax_Total__c": Decimal("10.00"),
        "Balance_Remaining__c": Decimal("100.00"),
        "Is_Paid__c": False,
        "Status__c": "Open",
        "QuickBooks_Updated_At__c": "2025-02-01T12:34:56.000+0000",
        "Paid_By__c": "Invoice LINK-1234 (2024-10-01): 1000.00",
        "Currency__c": "USD",
        "Exchange_Rate__c": Decimal("1.23450"),
        "Balance_Remaining_Home__c": Decimal("100.00"),
    }


def test_invoice_without_ref_number_falls_back_to_its_id(config: MappingConfig) -> None:
    invoice = load_example("minimal_qbd_invoice")
    invoice["customer"] = {"id": "80000001-1", "fullName": "Acme"}
    record = map_quickbooks_record(config, "invoices", invoice).record
    assert record is not None
    assert record["Name"] == "123ABC-1234567890"
    assert record["Sales_Tax_Total__c"] is None
    assert record["Is_Paid__c"] is False  # a checkbox cannot be empty


def test_invoice_without_customer_is_a_problem(config: MappingConfig) -> None:
    problem = only_problem(
        map_quickbooks_record(config, "invoices", load_example("minimal_qbd_invoice"))
    )
    assert problem.code == "missing"
    assert problem.field == "customer.id"
    assert "Account" in problem.message


def test_paid_and_voided_invoices(config: MappingConfig) -> None:
    invoice = load_example("example_invoice")
    invoice["isPaid"] = True
    invoice["balanceRemaining"] = "0.00"
    record = map_quickbooks_record(config, "invoices", invoice).record
    assert record is not None
    assert record["Status__c"] == "Paid" and record["Is_Paid__c"] is True
    invoice.update(memo="VOID: customer cancelled", subtotal="0.00", salesTaxTotal="0.00")
    assert invoice_status(invoice) == "Voided"
    invoice["subtotal"] = "5.00"
    assert invoice_status(invoice) == "Paid"


def test_payment_maps_to_quickbooks_payment_object(config: MappingConfig) -> None:
    result = map_quickbooks_record(config, "payments", load_example("example_qbd_receive_payment"))
    assert result.record == {
        "QuickBooks_Payment_Id__c": "123ABC-1234567890",
        "Account__r": {"QuickBooks_Customer_Id__c": "80000001-1234567890"},
        "Amount__c": Decimal("1000.00"),
        "Transaction_Date__c": "2024-10-01",
        "Ref_Number__c": "PAYMENT-1234",
        "Applied_To__c": "Invoice TXN-1234 (2024-10-01): 1000.00",
        "Unapplied_Amount__c": Decimal("100.00"),
        "Currency__c": "USD",
        "Exchange_Rate__c": Decimal("1.23450"),
        "Amount_Home__c": Decimal("1234.56"),
    }


@pytest.mark.parametrize(
    ("example", "name", "description"),
    [
        ("example_qbd_service_item", "Consulting:Web-Design", "Hourly Consulting Service"),
        (
            "example_qbd_non_inventory_item",
            "Office Supplies:Printer Ink Cartridge",
            "Hourly Consulting Service",
        ),
    ],
)
def test_items_map_to_products(
    config: MappingConfig, example: str, name: str, description: str
) -> None:
    result = map_quickbooks_record(config, "items", load_example(example))
    assert result.record == {
        "QuickBooks_Item_Id__c": "80000001-1234567890",
        "Name": name,
        "Description": description,
        "IsActive": True,
    }


def test_item_description_falls_back_to_sales_description(config: MappingConfig) -> None:
    item = load_example("example_qbd_service_item")
    item["salesOrPurchaseDetails"] = None
    record = map_quickbooks_record(config, "items", item).record
    assert record is not None
    assert record["Description"] == "High-quality steel bolts suitable for construction"


def test_customer_balance_flows_to_the_account(config: MappingConfig) -> None:
    result = map_quickbooks_record(config, "customers", load_example("example_customer"))
    assert result.record == {
        "QuickBooks_Customer_Id__c": "80000001-1234567890",
        "QuickBooks_Balance__c": Decimal("5000.00"),
    }


def test_garbage_amount_from_quickbooks_is_a_problem(config: MappingConfig) -> None:
    invoice = load_example("example_invoice")
    invoice["subtotal"] = "NaN"
    problem = only_problem(map_quickbooks_record(config, "invoices", invoice))
    assert problem.field == "subtotal" and problem.code == "bad_amount"
    assert "Subtotal" in problem.message


def test_every_problem_is_reported_not_just_the_first(config: MappingConfig) -> None:
    invoice = load_example("example_invoice")
    invoice.update(subtotal="abc", dueDate="2024-02-30", updatedAt="yesterday")
    result = map_quickbooks_record(config, "invoices", invoice)
    assert {p.code for p in result.problems} == {"bad_amount", "bad_date", "bad_datetime"}


def test_too_long_invoice_number_names_the_field(config: MappingConfig) -> None:
    invoice = load_example("example_invoice")
    invoice["refNumber"] = "R" * 81
    problem = only_problem(map_quickbooks_record(config, "invoices", invoice))
    assert problem.code == "too_long"
    assert problem.field == "refNumber"
    assert problem.message.startswith("Invoice number is 81 characters long")
    assert "at most 80" in problem.message


def test_malformed_reference_is_a_problem(config: MappingConfig) -> None:
    invoice = load_example("example_invoice")
    invoice["customer"] = "Acme"
    problem = only_problem(map_quickbooks_record(config, "invoices", invoice))
    assert problem.code == "malformed" and problem.field == "customer.id"


def test_record_without_id_or_not_a_record(config: MappingConfig) -> None:
    invoice = load_example("example_invoice")
    invoice["id"] = None
    assert only_problem(map_quickbooks_record(config, "invoices", invoice)).code == "no_id"
    assert not map_quickbooks_record(config, "invoices", ["not", "a", "dict"]).ok


def test_datetime_offsets_become_utc() -> None:
    config = parse_mapping(
        '[[payments.fields]]\nsalesforce = "Changed__c"\nquickbooks = "updatedAt"\n'
        'owner = "quickbooks"\ntype = "datetime"\n'
    )
    payment = load_example("example_qbd_receive_payment")
    payment["updatedAt"] = "2025-02-01T04:34:56.5-08:00"
    record = map_quickbooks_record(config, "payments", payment).record
    assert record is not None
    assert record["Changed__c"] == "2025-02-01T12:34:56.500+0000"
    payment["updatedAt"] = "2025-02-01T04:34:56"
    assert only_problem(map_quickbooks_record(config, "payments", payment)).code == "bad_datetime"


def test_mapping_does_not_change_its_input(config: MappingConfig) -> None:
    invoice = load_example("example_invoice")
    before = copy.deepcopy(invoice)
    map_quickbooks_record(config, "invoices", invoice)
    assert invoice == before


# Salesforce -> QuickBooks.


def test_account_maps_to_customer_body(config: MappingConfig) -> None:
    result = map_salesforce_record(config, "customers", account())
    assert result.record is not None
    assert quickbooks_create_body(result.record, "c0ffee00-0000-5000-8000-000000000000") == {
        "name": "Acme Inc.",
        "billingAddress": {
            "line1": "540 Market St.",
            "line2": "Suite 100",
            "city": "San Francisco",
            "state": "CA",
            "postalCode": "94110",
            "country": "United States",
        },
        "phone": "+1-555-123-4567",
        "email": "ap@acme.example.com",
        "externalId": "c0ffee00-0000-5000-8000-000000000000",
    }


def test_an_empty_salesforce_field_is_no_instruction_for_an_update(config: MappingConfig) -> None:
    result = map_salesforce_record(config, "customers", account(Phone=None, BillingStreet="1 Elm"))
    assert result.record is not None
    body = quickbooks_update_body(result.record, "1721172183")
    assert body["revisionNumber"] == "1721172183"
    assert "phone" not in body
    assert body["billingAddress"]["line1"] == "1 Elm"
    assert body["billingAddress"]["line2"] == ""  # the street's unused lines, not an empty field
    assert "phone" not in quickbooks_create_body(result.record)


def test_a_row_marked_clear_when_empty_clears_the_quickbooks_field() -> None:
    text = default_mapping_text().replace(
        'salesforce = "Phone"\nquickbooks = "phone"\nowner = "salesforce"\ntype = "text"',
        'salesforce = "Phone"\nquickbooks = "phone"\nowner = "salesforce"\ntype = "text"\n'
        "clear_when_empty = true",
    )
    config = parse_mapping(text)
    assert next(
        r for r in config.for_workflow("customers").fields if r.target == "phone"
    ).clear_when_empty
    result = map_salesforce_record(config, "customers", account(Phone=None, Email__c=None))
    assert result.record is not None
    body = quickbooks_update_body(result.record, "1")
    assert body["phone"] == ""
    assert "email" not in body


def test_customer_name_over_41_characters_is_a_problem_naming_the_field(
    config: MappingConfig,
) -> None:
    problem = only_problem(map_salesforce_record(config, "customers", account(Name="A" * 42)))
    assert problem.field == "Name"
    assert problem.code == "too_long"
    assert problem.message == (
        "Account name is 42 characters long; QuickBooks allows at most 41. "
        "Shorten it in Salesforce."
    )


def test_exactly_41_characters_fits(config: MappingConfig) -> None:
    assert map_salesforce_record(config, "customers", account(Name="A" * 41)).ok


def test_emoji_count_as_two_characters(config: MappingConfig) -> None:
    assert map_salesforce_record(config, "customers", account(Name="😀" * 20 + "A")).ok
    problem = only_problem(map_salesforce_record(config, "customers", account(Name="😀" * 21)))
    assert "42 characters" in problem.message


def test_rtl_and_emoji_pass_through(config: MappingConfig) -> None:
    record = map_salesforce_record(config, "customers", account(Name="שלום 🍞 Bakery")).record
    assert record is not None and record["name"] == "שלום 🍞 Bakery"


def test_control_characters_are_stripped(config: MappingConfig) -> None:
    record = map_salesforce_record(config, "customers", account(Name="Acme\x00\x1f Inc.")).record
    assert record is not None and record["name"] == "Acme Inc."


def test_missing_required_name_is_a_problem(config: MappingConfig) -> None:
    for empty in (None, "", "   ", "\x00"):
        problem = only_problem(map_salesforce_record(config, "customers", account(Name=empty)))
        assert problem.code == "missing" and problem.field == "Name"


def test_street_with_too_many_lines_is_a_problem(config: MappingConfig) -> None:
    street = "\n".join(f"line {n}" for n in range(6))
    problem = only_problem(
        map_salesforce_record(config, "customers", account(BillingStreet=street))
    )
    assert problem.code == "too_many_lines" and problem.field == "BillingStreet"


def test_street_line_over_41_characters_names_the_field(config: MappingConfig) -> None:
    street = "1 Main St\n" + "x" * 42
    problem = only_problem(
        map_salesforce_record(config, "customers", account(BillingStreet=street))
    )
    assert problem.field == "BillingStreet" and "at most 41" in problem.message


def test_city_limit_is_quickbooks_31(config: MappingConfig) -> None:
    problem = only_problem(
        map_salesforce_record(config, "customers", account(BillingCity="c" * 32))
    )
    assert problem.field == "BillingCity" and "at most 31" in problem.message


# Write-backs, deletions, JSON.


def test_writeback_and_deleted_marks() -> None:
    assert writeback_record("customers", "001A", "800-1") == {
        "Id": "001A",
        "QuickBooks_Customer_Id__c": "800-1",
    }
    assert writeback_record("opportunities", "006A", "INV-9") == {
        "Id": "006A",
        "QuickBooks_Invoice_Id__c": "INV-9",
    }
    deleted = load_example("example_qbd_deleted_transaction")
    assert deleted_mark("invoices", deleted["id"]) == {
        "QuickBooks_Invoice_Id__c": "123ABC-1234567890",
        "Status__c": "Deleted in QuickBooks",
    }
    with pytest.raises(ValueError):
        deleted_mark("items", "1")


def test_salesforce_json_turns_decimals_into_numbers() -> None:
    record = {"Amount__c": Decimal("1000.10"), "Big__c": Decimal("1234567890123456.78"), "x": 1}
    assert salesforce_json(record) == {
        "Amount__c": 1000.1,
        "Big__c": "1234567890123456.78",
        "x": 1,
    }
