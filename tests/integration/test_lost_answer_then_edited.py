"""A customer create whose answer was lost, then an edit in Salesforce before the next run: the
customer found in QuickBooks is the app's own (made from what the outbox recorded sending), so
the edit of a field Salesforce owns goes through like any other, once; only what QuickBooks was
given by someone else waits for the bookkeeper."""

from __future__ import annotations

from typing import Any

from app.engine.result import RunStatus
from tests.integration.conftest import World


def _account(world: World, name: str) -> str:
    created = world.engine.salesforce.session.post(
        f"{world.engine.salesforce.base}sobjects/Account/",
        json={"Name": name, "Phone": "555-0100", "Sync_To_QuickBooks__c": True},
    )
    return str(created.json()["id"])


def _edit(world: World, account_id: str, **fields: Any) -> None:
    [result] = world.engine.salesforce.update("Account", [{"Id": account_id, **fields}])
    assert result.get("success"), result


def _customers_named(world: World, *names: str) -> list[dict[str, Any]]:
    return [c for c in world.qb.all("customer") if c["name"] in names]


def _lose_the_create_answer(world: World, name: str) -> str:
    assert world.engine.run(["customers"]).status is RunStatus.SUCCEEDED
    account_id = _account(world, name)
    world.sandboxes.conductor.add_fault("drop", method="POST", path="customers$", after_commit=True)
    first = world.engine.run(["customers"])
    world.sandboxes.conductor.clear_faults()
    [item] = [i for i in world.store.run_items(first.run_id, "failed") if i.sf_id == account_id]
    assert item.code == "NEEDS_VERIFICATION"
    return account_id


def test_a_rename_after_a_lost_create_answer_is_applied_once(world: World) -> None:
    account_id = _lose_the_create_answer(world, "Lost Answer Ltd")
    _edit(world, account_id, Name="Lost Answer Limited", Phone="555-0199")

    second = world.engine.run(["customers"])
    assert second.status is RunStatus.SUCCEEDED, second.error
    [customer] = _customers_named(world, "Lost Answer Ltd", "Lost Answer Limited")
    assert customer["name"] == "Lost Answer Limited" and customer["phone"] == "555-0199"
    assert world.store.open_conflicts("customers", customer["id"]) == []
    assert world.store.open_matches() == []
    account = next(a for a in world.sf_records("Account") if a["Id"] == account_id)
    assert account["QuickBooks_Customer_Id__c"] == customer["id"]

    third = world.engine.run(["customers"])
    assert third.status is RunStatus.SUCCEEDED, third.error
    assert world.store.outcome_counts(third.run_id).get("updated", 0) == 0
    assert len(_customers_named(world, "Lost Answer Ltd", "Lost Answer Limited")) == 1


def test_a_quickbooks_edit_to_the_lost_create_is_a_conflict_not_overwritten(
    world: World,
) -> None:
    account_id = _lose_the_create_answer(world, "Lost Answer Traders")
    [customer] = _customers_named(world, "Lost Answer Traders")
    world.qb.edit_customer(customer["id"], phone="555-0777")
    _edit(world, account_id, Phone="555-0199")

    second = world.engine.run(["customers"])
    assert second.status is not RunStatus.FAILED, second.error
    [customer] = _customers_named(world, "Lost Answer Traders")
    assert customer["phone"] == "555-0777", "the bookkeeper's edit was kept"
    [conflict] = world.store.open_conflicts("customers", customer["id"])
    assert (conflict.quickbooks, conflict.salesforce) == (
        {"phone": "555-0777"},
        {"phone": "555-0199"},
    )
