"""Mirrored items can be sold: each product the sync links gets an active standard price book
entry at QuickBooks' sales price, and an opportunity product can be added with it through the
real Salesforce API (simple-salesforce against the sandbox, which keeps Salesforce's price book
rules)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from simple_salesforce import format_soql
from simple_salesforce.exceptions import SalesforceMalformedRequest

from app.engine.pricebooks import PRICE_LINKS, sales_price
from app.store.settings import PRICE_BOOK, WORKFLOWS
from tests.integration.conftest import World


def _items_only(world: World) -> None:
    chosen = {"customers": False, "invoices": False, "credit_memos": False, "payments": False}
    world.store.set(WORKFLOWS, {**chosen, "opportunities": False})


def _standard_entries(world: World) -> dict[str, dict]:
    books = {b["Id"]: b for b in world.sf_records("Pricebook2")}
    return {
        e["Product2Id"]: e
        for e in world.sf_records("PricebookEntry")
        if books[e["Pricebook2Id"]]["IsStandard"]
    }


def test_every_mirrored_item_gets_an_active_standard_price(world: World) -> None:
    _items_only(world)
    new_item = world.qb.add_item("Site Survey", price="412.50")
    items = world.qb.all("service_item") + world.qb.all("non_inventory_item")
    priced_before = len(_standard_entries(world))
    assert priced_before < len(items), "the seeded org leaves some products unpriced"

    result = world.engine.run(trigger="test")

    assert result.problems == 0
    products = {p["QuickBooks_Item_Id__c"]: p for p in world.sf_records("Product2")}
    entries = _standard_entries(world)
    for item in items:
        entry = entries[products[item["id"]]["Id"]]
        assert entry["IsActive"]
        assert Decimal(str(entry["UnitPrice"])) == sales_price(item)
    assert Decimal(str(entries[products[new_item["id"]]["Id"]]["UnitPrice"])) == Decimal("412.50")
    assert len(world.store.links(PRICE_LINKS)) == len(items)


def test_a_mirrored_item_can_be_added_to_an_opportunity(world: World) -> None:
    _items_only(world)
    item = world.qb.add_item("Drainage Plan", price="980.00")
    sf = world.simple_salesforce()
    account = sf.Account.create({"Name": "Line Item Buyer"})["id"]
    opportunity = sf.Opportunity.create(
        {
            "Name": "Drainage",
            "AccountId": account,
            "StageName": "Prospecting",
            "CloseDate": "2026-03-01",
        }
    )["id"]

    world.engine.run(trigger="test")

    product = next(
        p for p in world.sf_records("Product2") if p["QuickBooks_Item_Id__c"] == item["id"]
    )
    found = sf.query(
        format_soql(
            "SELECT Id, UnitPrice FROM PricebookEntry WHERE Product2Id = {} "
            "AND Pricebook2.IsStandard = true AND IsActive = true",
            product["Id"],
        )
    )
    assert found["totalSize"] == 1
    entry = found["records"][0]
    line = sf.OpportunityLineItem.create(
        {
            "OpportunityId": opportunity,
            "PricebookEntryId": entry["Id"],
            "Quantity": 2,
            "UnitPrice": entry["UnitPrice"],
        }
    )
    assert line["success"]
    assert sf.Opportunity.get(opportunity)["Amount"] == 1960.0


def test_before_the_sync_prices_it_the_product_cannot_be_sold(world: World) -> None:
    """What the price step fixes: a product with no entry is refused on an opportunity."""
    sf = world.simple_salesforce()
    product = sf.Product2.create({"Name": "Unpriced", "IsActive": True})["id"]
    account = sf.Account.create({"Name": "Nobody Buys"})["id"]
    opportunity = sf.Opportunity.create(
        {
            "Name": "None",
            "AccountId": account,
            "StageName": "Prospecting",
            "CloseDate": "2026-03-01",
        }
    )["id"]
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.OpportunityLineItem.create(
            {"OpportunityId": opportunity, "Product2Id": product, "Quantity": 1, "UnitPrice": 1}
        )
    assert refused.value.content[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_a_price_change_in_quickbooks_updates_the_entry_and_nothing_else(world: World) -> None:
    _items_only(world)
    world.engine.run(trigger="test")
    item = world.qb.all("service_item")[0]
    world.qb.edit_item(item["id"], salesOrPurchaseDetails={"price": "77.70"})
    client = world.engine.salesforce
    before = client.write_calls

    result = world.engine.run(trigger="test")

    assert result.problems == 0
    product = next(
        p for p in world.sf_records("Product2") if p["QuickBooks_Item_Id__c"] == item["id"]
    )
    assert _standard_entries(world)[product["Id"]]["UnitPrice"] == 77.7
    assert client.write_calls - before == 1, "one update of the changed entry"

    before = client.write_calls
    assert world.engine.run(trigger="test").problems == 0
    assert client.write_calls == before, "an unchanged price is not written again"


def test_the_chosen_price_book_gets_an_entry_after_the_standard_one(world: World) -> None:
    _items_only(world)
    sf = world.simple_salesforce()
    sf.Pricebook2.create({"Name": "Wholesale", "IsActive": True})
    world.store.set(PRICE_BOOK, "Wholesale")

    result = world.engine.run(trigger="test")

    assert result.problems == 0
    books = {b["Name"]: b["Id"] for b in world.sf_records("Pricebook2")}
    entries = world.sf_records("PricebookEntry")
    wholesale = [e for e in entries if e["Pricebook2Id"] == books["Wholesale"]]
    items = world.qb.all("service_item") + world.qb.all("non_inventory_item")
    assert len(wholesale) == len(items)


def test_a_refused_entry_is_that_items_problem_and_the_rest_are_priced(world: World) -> None:
    _items_only(world)
    world.sf.set_config(
        validation_rules=[
            {
                "object": "PricebookEntry",
                "field": "UnitPrice",
                "op": "=",
                "value": 13.13,
                "message": "Unlucky prices are not allowed",
                "name": "No_Unlucky_Price",
            }
        ]
    )
    unlucky = world.qb.add_item("Unlucky Service", price="13.13")

    result = world.engine.run(trigger="test")

    failed = world.store.run_items(result.run_id, "failed")
    assert [f.qb_id for f in failed] == [unlucky["id"]]
    assert "Unlucky prices are not allowed" in (failed[0].message or "")
    items = world.qb.all("service_item") + world.qb.all("non_inventory_item")
    assert len(_standard_entries(world)) == len(items) - 1
    assert world.store.get_cursor("items", "qb") is not None
