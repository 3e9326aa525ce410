"""What the sandbox promises about price books and opportunity products, each from Salesforce's
documentation (Object Reference: PricebookEntry, OpportunityLineItem, Opportunity)."""

from __future__ import annotations

from typing import Any

import pytest
from sf_helpers import first_error
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from app.sandbox.salesforce import SalesforceSandbox


def _standard_book(sandbox: SalesforceSandbox) -> str:
    return next(b["Id"] for b in sandbox.records("Pricebook2") if b["IsStandard"])


def _refused(call: Any) -> dict[str, Any]:
    with pytest.raises(SalesforceMalformedRequest) as info:
        call()
    return first_error(info.value)


def _opportunity(sf: Salesforce, name: str = "Deal") -> str:
    account = sf.Account.create({"Name": f"{name} account"})["id"]
    return sf.Opportunity.create(
        {"Name": name, "AccountId": account, "StageName": "Prospecting", "CloseDate": "2026-03-01"}
    )["id"]


def test_a_custom_price_needs_the_standard_price_first(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    """Object Reference, "PricebookEntry": STANDARD_PRICE_NOT_DEFINED.
    https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_pricebookentry.htm
    """
    product = sf.Product2.create({"Name": "Unpriced"})["id"]
    book = sf.Pricebook2.create({"Name": "Partners", "IsActive": True})["id"]
    entry = {"Pricebook2Id": book, "Product2Id": product, "UnitPrice": 5, "IsActive": True}
    error = _refused(lambda: sf.PricebookEntry.create(entry))
    assert error["errorCode"] == "STANDARD_PRICE_NOT_DEFINED"
    sf.PricebookEntry.create({**entry, "Pricebook2Id": _standard_book(sandbox)})
    assert sf.PricebookEntry.create(entry)["success"] is True


def test_a_product_has_one_standard_price(sf: Salesforce, sandbox: SalesforceSandbox) -> None:
    """Object Reference, "PricebookEntry": one standard entry per product (DUPLICATE_VALUE).
    https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_pricebookentry.htm
    """
    product = sf.Product2.create({"Name": "Once"})["id"]
    entry = {"Pricebook2Id": _standard_book(sandbox), "Product2Id": product, "UnitPrice": 5}
    sf.PricebookEntry.create(entry)
    assert _refused(lambda: sf.PricebookEntry.create(entry))["errorCode"] == "DUPLICATE_VALUE"


def test_the_first_product_sets_the_price_book_and_others_must_come_from_it(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    """Object Reference, "OpportunityLineItem" ("Effects on Opportunities"): the entry must be in
    the opportunity's price book; the first product sets it.
    https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunitylineitem.htm
    """
    standard = sandbox.records("PricebookEntry")[0]
    opportunity = _opportunity(sf)
    line = {"OpportunityId": opportunity, "Quantity": 1, "UnitPrice": 10}
    sf.OpportunityLineItem.create({**line, "PricebookEntryId": standard["Id"]})
    assert sf.Opportunity.get(opportunity)["Pricebook2Id"] == standard["Pricebook2Id"]

    book = sf.Pricebook2.create({"Name": "Other", "IsActive": True})["id"]
    other = sf.PricebookEntry.create(
        {"Pricebook2Id": book, "Product2Id": standard["Product2Id"], "UnitPrice": 9}
    )["id"]
    error = _refused(lambda: sf.OpportunityLineItem.create({**line, "PricebookEntryId": other}))
    assert error["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    assert "different pricebook" in error["message"]
    error = _refused(lambda: sf.Opportunity.update(opportunity, {"Pricebook2Id": book}))
    assert error["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_an_opportunity_product_names_its_price_book_entry(sf: Salesforce) -> None:
    """Salesforce Help, "OpportunityLineItem Insert Field Integrity Error": PricebookEntryId is
    required. https://help.salesforce.com/s/articleView?id=000383141&type=1
    """
    opportunity = _opportunity(sf, "No entry")
    product = sf.Product2.create({"Name": "Loose"})["id"]
    error = _refused(
        lambda: sf.OpportunityLineItem.create(
            {"OpportunityId": opportunity, "Product2Id": product, "Quantity": 1, "UnitPrice": 1}
        )
    )
    assert (error["errorCode"], error["fields"]) == (
        "FIELD_INTEGRITY_EXCEPTION",
        ["PricebookEntryId"],
    )


def test_unit_price_and_total_price_are_not_both_given(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    """Object Reference, "OpportunityLineItem" (TotalPrice: give it or UnitPrice, not both).
    https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunitylineitem.htm
    """
    line = {
        "OpportunityId": _opportunity(sf, "Both"),
        "PricebookEntryId": sandbox.records("PricebookEntry")[0]["Id"],
        "Quantity": 2,
        "UnitPrice": 10,
        "TotalPrice": 20,
    }
    assert _refused(lambda: sf.OpportunityLineItem.create(line))["errorCode"] == (
        "FIELD_INTEGRITY_EXCEPTION"
    )


def test_amount_is_the_sum_of_products_and_an_update_to_it_is_ignored(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    """Salesforce Help, "Opportunity Amount isn't updated through REST API for opportunities with
    products": the update answers 204 and Amount stays the products' sum.
    https://help.salesforce.com/s/articleView?id=004052228&type=1
    """
    opportunity = _opportunity(sf, "Sum")
    entry = sandbox.records("PricebookEntry")[0]["Id"]
    for quantity, price in ((2, 10.25), (1, 5)):
        sf.OpportunityLineItem.create(
            {
                "OpportunityId": opportunity,
                "PricebookEntryId": entry,
                "Quantity": quantity,
                "UnitPrice": price,
            }
        )
    assert sf.Opportunity.update(opportunity, {"Amount": 1, "NextStep": "Call"}) == 204
    record = sf.Opportunity.get(opportunity)
    assert (record["Amount"], record["NextStep"]) == (25.5, "Call")


def test_the_seeded_org_keeps_the_price_book_rules(sandbox: SalesforceSandbox) -> None:
    """Object Reference, "OpportunityLineItem": every seeded product line is priced from an entry
    in its opportunity's price book, and each product has one standard price."""
    entries = {e["Id"]: e for e in sandbox.records("PricebookEntry")}
    opportunities = {o["Id"]: o for o in sandbox.records("Opportunity")}
    lines = sandbox.records("OpportunityLineItem")
    assert lines
    for line in lines:
        entry = entries[line["PricebookEntryId"]]
        assert opportunities[line["OpportunityId"]]["Pricebook2Id"] == entry["Pricebook2Id"]
    products = [e["Product2Id"] for e in entries.values()]
    assert len(products) == len(set(products))
