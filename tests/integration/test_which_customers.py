"""Which QuickBooks customers become Salesforce accounts: inactive ones only when chosen in
settings; an inactive customer that already has an account stays linked, invoices and all."""

from __future__ import annotations

from app.engine.new_accounts import INACTIVE
from app.store.settings import CUSTOMERS_INCLUDE_INACTIVE
from tests.integration.conftest import World


def _inactive_customer(world: World, name: str) -> dict:
    customer = world.qb.add_customer(name)
    invoice = world.qb.add_invoice(customer["id"])
    world.qb.edit_customer(customer["id"], isActive=False)
    return {**customer, "invoice": invoice["id"]}


def _accounts_named(world: World, name: str) -> list[dict]:
    return [a for a in world.sf_records("Account") if a["Name"] == name]


def test_an_inactive_customer_makes_no_account(world: World) -> None:
    gone = _inactive_customer(world, "Shuttered Supply Co")

    result = world.engine.run(trigger="test")

    assert _accounts_named(world, "Shuttered Supply Co") == []
    skipped = [i for i in world.store.run_items(result.run_id, "skipped") if i.code == INACTIVE]
    assert [i.qb_id for i in skipped if i.qb_id == gone["id"]] == [gone["id"]]
    assert "inactive in QuickBooks" in (skipped[0].message or "")


def test_an_inactive_customer_with_an_account_keeps_its_invoices_linked(world: World) -> None:
    kept = _inactive_customer(world, "Dormant Dairy Partners")
    account = world.simple_salesforce().Account.create({"Name": "Dormant Dairy Partners"})["id"]

    world.engine.run(trigger="test")

    assert [a["Id"] for a in _accounts_named(world, "Dormant Dairy Partners")] == [account]
    mirrored = {r["QuickBooks_Invoice_Id__c"]: r for r in world.sf_records("QuickBooks_Invoice__c")}
    assert mirrored[kept["invoice"]]["Account__c"] == account


def test_inactive_customers_become_accounts_when_chosen(world: World) -> None:
    world.store.set(CUSTOMERS_INCLUDE_INACTIVE, True)
    gone = _inactive_customer(world, "Shuttered Supply Co")

    world.engine.run(trigger="test")

    accounts = _accounts_named(world, "Shuttered Supply Co")
    assert [a["QuickBooks_Customer_Id__c"] for a in accounts] == [gone["id"]]
