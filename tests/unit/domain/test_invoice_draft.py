from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from app.domain.fieldmap import MappingConfig
from app.domain.invoice_draft import draft_invoice
from app.domain.salesforce_ids import EXTERNAL_ID_NAMESPACE, external_id_for, salesforce_id_18

OPPORTUNITY_ID = "0065g00000AbCdEAAV"


def opportunity(**fields: Any) -> dict[str, Any]:
    record = {
        "attributes": {"type": "Opportunity"},
        "Id": OPPORTUNITY_ID,
        "Name": "Acme - spring refit",
        "AccountId": "0015g00000XyZabAAA",
        "Account": {"Name": "Acme Inc.", "QuickBooks_Customer_Id__c": "80000001-1234567890"},
        "CloseDate": "2026-03-31",
        "Amount": 1250.0,
        "StageName": "Closed Won",
    }
    record.update(fields)
    return record


def line(product_id: str, item_id: str | None, **fields: Any) -> dict[str, Any]:
    record = {
        "Id": "00k5g00000" + product_id[-8:],
        "Product2Id": product_id,
        "Product2": {"Name": f"Product {product_id[-3:]}", "QuickBooks_Item_Id__c": item_id},
        "Description": "Fitting work",
        "Quantity": 2.0,
        "UnitPrice": 500.0,
        "TotalPrice": 1000.0,
        "ServiceDate": None,
    }
    record.update(fields)
    return record


def test_draft_builds_the_conductor_create_body(config: MappingConfig) -> None:
    lines = [
        line("01t5g00000Prod001", "80000002-1"),
        line(
            "01t5g00000Prod002",
            "80000003-1",
            Description=None,
            Quantity=1,
            UnitPrice=250,
            TotalPrice=250,
            ServiceDate="2026-04-02",
        ),
    ]
    draft = draft_invoice(config, opportunity(), lines)
    assert draft.problems == ()
    assert draft.external_id == external_id_for(OPPORTUNITY_ID)
    assert draft.body == {
        "transactionDate": "2026-03-31",
        "memo": "Acme - spring refit",
        "externalId": draft.external_id,
        "customerId": "80000001-1234567890",
        "lines": [
            {
                "itemId": "80000002-1",
                "description": "Fitting work",
                "quantity": 2,
                "rate": "500.00",
                "amount": "1000.00",
            },
            {
                "itemId": "80000003-1",
                "quantity": 1,
                "rate": "250.00",
                "amount": "250.00",
                "serviceDate": "2026-04-02",
            },
        ],
    }


def test_preview_shows_customer_lines_and_totals(config: MappingConfig) -> None:
    lines = [line("01t5g00000Prod001", "80000002-1"), line("01t5g00000Prod002", "80000003-1")]
    preview = draft_invoice(config, opportunity(), lines).preview
    assert preview.customer_name == "Acme Inc."
    assert preview.quickbooks_customer_id == "80000001-1234567890"
    assert preview.transaction_date == "2026-03-31"
    assert [ln.product for ln in preview.lines] == ["Product 001", "Product 002"]
    assert preview.lines[0].quantity == Decimal("2")
    assert preview.lines[0].rate == Decimal("500.00")
    assert preview.subtotal == Decimal("2000.00")
    assert preview.opportunity_amount == Decimal("1250.00")
    assert not preview.matches_opportunity_amount
    assert preview.can_approve


def test_links_kept_by_the_app_fill_gaps_in_the_query(config: MappingConfig) -> None:
    opp = opportunity(Account={"Name": "Acme Inc.", "QuickBooks_Customer_Id__c": None})
    lines = [line("01t5g00000Prod001", None)]
    draft = draft_invoice(
        config,
        opp,
        lines,
        item_links={"01t5g00000Prod001": "80000009-1"},
        customer_links={"0015g00000XyZabAAA": "80000001-7"},
    )
    assert draft.body is not None
    assert draft.body["customerId"] == "80000001-7"
    assert draft.body["lines"][0]["itemId"] == "80000009-1"


def test_unlinked_customer_and_product_are_plain_problems(config: MappingConfig) -> None:
    opp = opportunity(Account={"Name": "Acme Inc.", "QuickBooks_Customer_Id__c": None})
    draft = draft_invoice(config, opp, [line("01t5g00000Prod001", None)])
    assert draft.body is None
    codes = {p.code for p in draft.problems}
    assert codes == {"no_customer_link", "no_item_link"}
    messages = " ".join(p.message for p in draft.problems)
    assert "Acme Inc. is not linked to a QuickBooks customer" in messages
    assert "Line 1: the product Product 001 is not linked to a QuickBooks item" in messages
    assert not draft.preview.can_approve
    assert draft.preview.subtotal == Decimal("1000.00")


def test_no_lines_and_no_close_date_are_problems(config: MappingConfig) -> None:
    draft = draft_invoice(config, opportunity(CloseDate=None), [])
    assert {p.code for p in draft.problems} == {"no_lines", "missing"}
    assert draft.body is None


def test_bad_line_values_name_the_line(config: MappingConfig) -> None:
    lines = [line("01t5g00000Prod001", "80000002-1", TotalPrice="lots")]
    draft = draft_invoice(config, opportunity(), lines)
    [problem] = draft.problems
    assert problem.message.startswith("Line 1 (Product 001): Line total is not a number")
    assert problem.field == "TotalPrice"


def test_line_amounts_round_half_even(config: MappingConfig) -> None:
    lines = [line("01t5g00000Prod001", "80000002-1", UnitPrice=0.125, TotalPrice=0.125)]
    draft = draft_invoice(config, opportunity(), lines)
    assert draft.body is not None
    assert draft.body["lines"][0]["amount"] == "0.12"


def test_external_id_is_deterministic_uuid5_of_the_18_character_id() -> None:
    id15 = OPPORTUNITY_ID[:15]
    assert salesforce_id_18(id15) == OPPORTUNITY_ID
    assert external_id_for(id15) == external_id_for(OPPORTUNITY_ID)
    expected = uuid.uuid5(EXTERNAL_ID_NAMESPACE, OPPORTUNITY_ID)
    assert external_id_for(OPPORTUNITY_ID) == str(expected)
    # The namespace is fixed forever: changing it would re-create invoices already sent.
    assert str(EXTERNAL_ID_NAMESPACE) == str(
        uuid.uuid5(uuid.NAMESPACE_URL, "urn:qbsf:salesforce-record")
    )
    assert external_id_for("0065g00000AbCdE") != external_id_for("0065g00000AbCdF")


def test_salesforce_18_character_suffix() -> None:
    # Known pair: the suffix encodes which of the 15 characters are upper case.
    assert salesforce_id_18("001000000000001") == "001000000000001AAA"
    assert salesforce_id_18("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    assert salesforce_id_18("001A0000006Vm9rIAC") == "001A0000006Vm9rIAC"
