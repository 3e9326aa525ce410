"""Customers are linked only when sure, never emptied, and QuickBooks edits are respected.

Both sandboxes over real HTTP(S), the real SDKs and a real SQLite file.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from app.engine.match_decisions import Keep, NameChoiceNeededError
from app.engine.result import RunStatus
from app.sandbox.conductor.hostile import customer_under_id
from tests.integration.conftest import World

ADDRESS = {"line1": "12 Dock Rd", "city": "Tacoma", "state": "WA", "postalCode": "98402"}


def _account(world: World, **fields: Any) -> str:
    [result] = world.engine.salesforce.create("Account", [fields])
    assert result["success"], result
    return str(result["id"])


def _account_row(world: World, sf_id: str) -> dict[str, Any]:
    return next(a for a in world.sf_records("Account") if a["Id"] == sf_id)


def _customer_updates(world: World, qb_id: str) -> list[dict[str, Any]]:
    return [
        r
        for r in world.qb_requests()
        if r["method"] == "POST" and r["path"].endswith(f"/customers/{qb_id}")
    ]


def _in_scope(world: World) -> dict[str, Any]:
    """A linked account marked for QuickBooks with nothing waiting for the bookkeeper."""
    waiting = {c.qb_id for c in world.engine.conflicts()}
    return next(
        a
        for a in world.sf_records("Account")
        if a.get("Sync_To_QuickBooks__c")
        and a.get("QuickBooks_Customer_Id__c")
        and a["QuickBooks_Customer_Id__c"] not in waiting
    )


def _conflicts_of(world: World, qb_id: str) -> list[Any]:
    return [c for c in world.engine.conflicts() if c.qb_id == qb_id]


@pytest.mark.parametrize(
    ("shared", "basis"),
    [({"phone": "253-555-0142"}, "phone"), ({"email": "ap@harbor.example.com"}, "email")],
)
def test_a_phone_only_or_email_only_look_alike_is_proposed_not_linked(
    world: World, shared: dict[str, str], basis: str
) -> None:
    customer = world.qb.add_customer("Harbor Freight Brokers", billingAddress=ADDRESS, **shared)
    sf_fields = {"Phone": shared.get("phone"), "Email__c": shared.get("email")}
    account_id = _account(world, Name="Harbor Logistics Group", **sf_fields)

    result = world.engine.run(["customers"])

    assert result.status is RunStatus.SUCCEEDED, result.error
    assert world.store.link_by_qb("customers", customer["id"]) is None
    assert _account_row(world, account_id).get("QuickBooks_Customer_Id__c") is None
    holders = [
        a
        for a in world.sf_records("Account")
        if a.get("QuickBooks_Customer_Id__c") == customer["id"]
    ]
    assert holders == []  # not linked, and no second account made meanwhile
    [match] = world.engine.matches_to_confirm()
    assert (match.account_id, match.customer_id, match.basis) == (
        account_id,
        customer["id"],
        basis,
    )
    waiting = [i for i in world.store.run_items(result.run_id) if i.code == "MATCH_TO_CONFIRM"]
    assert [i.qb_id for i in waiting] == [customer["id"]]

    with pytest.raises(NameChoiceNeededError) as asked:
        world.engine.confirm_match(match.id)
    assert "Harbor Logistics Group" in str(asked.value)
    assert "Harbor Freight Brokers" in str(asked.value)
    decided = world.engine.confirm_match(match.id, Keep.QUICKBOOKS)
    assert decided.done, decided.message
    row = _account_row(world, account_id)
    assert row["QuickBooks_Customer_Id__c"] == customer["id"]
    assert row["Name"] == "Harbor Freight Brokers"
    assert world.qb.get(customer["id"])["name"] == "Harbor Freight Brokers"
    assert world.engine.matches_to_confirm() == []


def test_a_rejected_match_is_never_proposed_again(world: World) -> None:
    customer = world.qb.add_customer("Pier Nine Traders", phone="253-555-0188")
    account_id = _account(world, Name="Pier 9 Imports", Phone="(253) 555-0188")
    world.engine.run(["customers"])
    [match] = world.engine.matches_to_confirm()
    assert world.engine.reject_match(match.id).done

    again = world.engine.run(["customers"])

    assert world.engine.matches_to_confirm() == []
    assert _account_row(world, account_id).get("QuickBooks_Customer_Id__c") is None
    mirrors = [
        a
        for a in world.sf_records("Account")
        if a.get("QuickBooks_Customer_Id__c") == customer["id"]
    ]
    assert len(mirrors) == 1 and mirrors[0]["Id"] != account_id
    assert again.count("created", "customers") == 0  # the customer became an account, once


def test_a_flagged_account_named_like_a_customer_leaves_its_fields_as_they_were(
    world: World,
) -> None:
    customer = world.qb.add_customer(
        "Cobalt Supply Co",
        phone="206-555-0100",
        email="books@cobalt.example.com",
        billingAddress=ADDRESS,
    )
    account_id = _account(world, Name="Cobalt Supply Co", Sync_To_QuickBooks__c=True)

    result = world.engine.run(["customers"])

    assert result.status is RunStatus.SUCCEEDED, result.error
    after = world.qb.get(customer["id"])
    assert after["phone"] == "206-555-0100"
    assert after["email"] == "books@cobalt.example.com"
    assert {k: after["billingAddress"][k] for k in ADDRESS} == ADDRESS
    assert after["name"] == "Cobalt Supply Co"
    assert _account_row(world, account_id)["QuickBooks_Customer_Id__c"] == customer["id"]
    assert _customer_updates(world, customer["id"]) == []  # nothing to say, nothing sent


@pytest.mark.parametrize("keep", [Keep.QUICKBOOKS, Keep.SALESFORCE])
def test_a_quickbooks_edit_to_an_owned_field_is_a_conflict_and_either_side_can_be_kept(
    world: World, keep: Keep
) -> None:
    assert world.engine.run(["customers"]).status is RunStatus.SUCCEEDED
    account = _in_scope(world)
    qb_id = account["QuickBooks_Customer_Id__c"]
    world.qb.edit_customer(qb_id, phone="555-999-0000")
    world.engine.salesforce.update("Account", [{"Id": account["Id"], "Phone": "555-111-2222"}])

    result = world.engine.run(["customers"])

    assert result.status is RunStatus.PARTIAL
    assert result.count("conflict", "customers") == 1
    assert world.qb.get(qb_id)["phone"] == "555-999-0000"  # not overwritten
    [item] = world.store.run_items(result.run_id, "conflict")
    assert "555-999-0000" in (item.message or "") and "555-111-2222" in (item.message or "")
    [conflict] = _conflicts_of(world, qb_id)
    assert conflict.field == "Phone" and conflict.qb_id == qb_id
    assert conflict.quickbooks == {"phone": "555-999-0000"}
    assert conflict.salesforce == {"phone": "555-111-2222"}

    decided = world.engine.resolve_conflict(conflict.id, keep)

    assert decided.done, decided.message
    chosen = "555-999-0000" if keep is Keep.QUICKBOOKS else "555-111-2222"
    assert world.qb.get(qb_id)["phone"] == chosen
    assert _account_row(world, account["Id"])["Phone"] == chosen
    assert _conflicts_of(world, qb_id) == []
    after = world.engine.run(["customers"])
    assert after.status is RunStatus.SUCCEEDED, after.error
    assert after.count("conflict") == 0 and world.qb.get(qb_id)["phone"] == chosen


def test_a_quickbooks_edit_is_noticed_before_any_salesforce_edit(world: World) -> None:
    assert world.engine.run(["customers"]).status is RunStatus.SUCCEEDED
    account = _in_scope(world)
    qb_id = account["QuickBooks_Customer_Id__c"]
    world.qb.edit_customer(qb_id, email="new@books.example.com")

    result = world.engine.run(["customers"])

    assert result.count("conflict", "customers") == 1
    [conflict] = _conflicts_of(world, qb_id)
    assert conflict.quickbooks == {"email": "new@books.example.com"}
    assert conflict.salesforce == {"email": account["Email__c"]}
    world.engine.salesforce.update("Account", [{"Id": account["Id"], "Phone": "555-333-4444"}])
    later = world.engine.run(["customers"])
    assert world.qb.get(qb_id)["email"] == "new@books.example.com"
    assert world.qb.get(qb_id)["phone"] == "555-333-4444"  # the rest still goes through
    assert later.count("conflict", "customers") == 1  # still waiting for the bookkeeper


def _update_while_quickbooks_changes(world: World, **edit: Any) -> tuple[str, str]:
    """Syncs a Salesforce phone change while the customer is edited in QuickBooks between the
    app's read and its update (the update waits in the sandbox until the edit is made)."""
    assert world.engine.run(["customers"]).status is RunStatus.SUCCEEDED
    account = _in_scope(world)
    qb_id = account["QuickBooks_Customer_Id__c"]
    world.engine.salesforce.update("Account", [{"Id": account["Id"], "Phone": "555-121-3434"}])
    held = world.sandboxes.conductor.add_fault(
        "delay", path=f"/customers/{qb_id}$", method="POST", seconds=1.5
    )
    done = threading.Event()

    def edit_when_held() -> None:
        while held.fired == 0 and not done.is_set():
            done.wait(0.01)
        world.qb.edit_customer(qb_id, **edit)

    editor = threading.Thread(target=edit_when_held)
    editor.start()
    try:
        result = world.engine.run(["customers"])
    finally:
        done.set()
        editor.join()
    assert held.fired == 1
    return qb_id, result.status.value


def test_a_stale_revision_is_read_again_and_sent_once_more_when_still_safe(
    world: World,
) -> None:
    qb_id, _ = _update_while_quickbooks_changes(world, fax="253-555-0000")
    updates = _customer_updates(world, qb_id)
    assert [r["status"] >= 400 for r in updates[-2:]] == [True, False]
    customer = world.qb.get(qb_id)
    assert customer["phone"] == "555-121-3434"
    assert customer["fax"] == "253-555-0000"
    assert _conflicts_of(world, qb_id) == []


def test_a_stale_revision_over_the_same_field_is_a_conflict_not_a_retry(world: World) -> None:
    qb_id, status = _update_while_quickbooks_changes(world, phone="555-777-8888")
    updates = _customer_updates(world, qb_id)
    assert [r["status"] >= 400 for r in updates][-1:] == [True]  # the stale one; none after
    assert world.qb.get(qb_id)["phone"] == "555-777-8888"
    [conflict] = _conflicts_of(world, qb_id)
    assert conflict.quickbooks == {"phone": "555-777-8888"}
    assert conflict.salesforce == {"phone": "555-121-3434"}
    assert status == RunStatus.PARTIAL.value


def test_a_quickbooks_id_of_the_wrong_form_is_a_plain_problem_and_the_rest_is_written(
    world: World,
) -> None:
    odd = customer_under_id(world.sandboxes.conductor.company, "80000099 X", "Odd Id Traders")

    result = world.engine.run(["customers"])

    [item] = [i for i in world.store.run_items(result.run_id, "failed") if i.qb_id == odd["id"]]
    assert item.code == "not_a_quickbooks_id"
    assert "not in the form QuickBooks ids take" in (item.message or "")
    ids = {a.get("QuickBooks_Customer_Id__c") for a in world.sf_records("Account")}
    assert odd["id"] not in ids
    assert len(ids - {None}) == world.qb.count("customer") - 1  # every other customer is there
    again = world.engine.run(["customers"])
    assert [i.qb_id for i in world.store.run_items(again.run_id, "failed")] == [odd["id"]]
