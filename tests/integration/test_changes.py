"""Changes after the first sync: QuickBooks edits, Salesforce edits, conflicts, voids, deletions."""

from __future__ import annotations

from decimal import Decimal

from app.engine.result import RunStatus
from app.store.settings import MATCHING_SKIPPED
from tests.integration.conftest import World


def _mirror(world: World, sobject: str, field: str, qb_id: str) -> dict:
    rows = [r for r in world.sf_records(sobject) if r.get(field) == qb_id]
    assert len(rows) == 1, f"{len(rows)} mirrors of {qb_id}"
    return rows[0]


def _in_scope_account(world: World) -> dict:
    return next(
        a
        for a in world.sf_records("Account")
        if a.get("Sync_To_QuickBooks__c") and a.get("QuickBooks_Customer_Id__c")
    )


def test_quickbooks_edits_and_payments_reach_salesforce(world: World) -> None:
    assert world.engine.run().status is RunStatus.SUCCEEDED
    invoice = next(i for i in world.qb.all("invoice") if not i["isPaid"])
    world.qb.edit_invoice(invoice["id"], memo="edited in QuickBooks", dueDate="2031-01-31")
    payment = world.qb.receive_payment(
        invoice["customer"]["id"],
        invoice["balanceRemaining"],
        apply_to={invoice["id"]: invoice["balanceRemaining"]},
    )
    result = world.engine.run()
    assert result.status is RunStatus.SUCCEEDED, result.error
    row = _mirror(world, "QuickBooks_Invoice__c", "QuickBooks_Invoice_Id__c", invoice["id"])
    assert row["Due_Date__c"] == "2031-01-31"
    assert row["Is_Paid__c"] is True and row["Status__c"] == "Paid"
    assert Decimal(str(row["Balance_Remaining__c"])) == 0
    paid = _mirror(world, "QuickBooks_Payment__c", "QuickBooks_Payment_Id__c", payment["id"])
    assert Decimal(str(paid["Amount__c"])) == Decimal(invoice["balanceRemaining"])
    assert result.count("updated", "invoices") == 1
    assert result.count("created", "payments") == 1


def test_salesforce_owned_edits_reach_quickbooks(world: World) -> None:
    assert world.engine.run().status is RunStatus.SUCCEEDED
    account = _in_scope_account(world)
    qb_id = account["QuickBooks_Customer_Id__c"]
    before = world.qb.get(qb_id)
    world.engine.salesforce.update(
        "Account", [{"Id": account["Id"], "Phone": "555-000-1234", "BillingCity": "Tacoma"}]
    )
    result = world.engine.run(["customers"])
    assert result.status is RunStatus.SUCCEEDED, result.error
    after = world.qb.get(qb_id)
    assert after["phone"] == "555-000-1234"
    assert after["billingAddress"]["city"] == "Tacoma"
    assert after["revisionNumber"] != before["revisionNumber"]
    assert result.count("updated", "customers") >= 1


def test_change_on_both_sides_is_a_conflict_and_nothing_is_overwritten(world: World) -> None:
    assert world.engine.run().status is RunStatus.SUCCEEDED
    account = _in_scope_account(world)
    qb_id = account["QuickBooks_Customer_Id__c"]
    world.qb.edit_customer(qb_id, phone="555-999-0000")
    world.engine.salesforce.update("Account", [{"Id": account["Id"], "Phone": "555-111-2222"}])
    result = world.engine.run(["customers"])
    assert result.status is RunStatus.PARTIAL
    assert result.count("conflict", "customers") == 1
    assert world.qb.get(qb_id)["phone"] == "555-999-0000"
    items = world.store.run_items(result.run_id, "conflict")
    assert items[0].sf_id == account["Id"] and "was changed in QuickBooks" in (
        items[0].message or ""
    )


def test_voids_and_deletions_mark_the_salesforce_mirror(world: World) -> None:
    assert world.engine.run().status is RunStatus.SUCCEEDED
    unpaid = [
        i for i in world.qb.all("invoice") if not i["isPaid"] and Decimal(i["appliedAmount"]) == 0
    ]
    voided, deleted = unpaid[0], unpaid[1]
    world.qb.void_invoice(voided["id"])
    world.qb.delete_invoice(deleted["id"])
    payment = world.qb.all("receive_payment")[0]
    world.qb.delete_payment(payment["id"])
    result = world.engine.run()
    assert result.status is RunStatus.SUCCEEDED, result.error
    assert (
        _mirror(world, "QuickBooks_Invoice__c", "QuickBooks_Invoice_Id__c", voided["id"])[
            "Status__c"
        ]
        == "Voided"
    )
    assert (
        _mirror(world, "QuickBooks_Invoice__c", "QuickBooks_Invoice_Id__c", deleted["id"])[
            "Status__c"
        ]
        == "Deleted in QuickBooks"
    )
    assert (
        _mirror(world, "QuickBooks_Payment__c", "QuickBooks_Payment_Id__c", payment["id"])[
            "Status__c"
        ]
        == "Deleted in QuickBooks"
    )
    # Nothing is deleted in Salesforce, and a further run changes nothing.
    assert len(world.sf_records("QuickBooks_Invoice__c")) == len(world.qb.all("invoice")) + 1
    again = world.engine.run()
    assert again.count("updated") == 0 and again.count("created") == 0


def test_a_match_skipped_in_setup_is_not_linked(world: World) -> None:
    from app.domain.matching import propose_links

    proposal = propose_links(world.sf_records("Account"), world.qb.all("customer"))
    pair = proposal.links[0]
    world.store.set(MATCHING_SKIPPED, [[pair.account_id, pair.customer_id]])
    assert world.engine.run(["customers"]).status is RunStatus.SUCCEEDED
    accounts = world.sf_records("Account")
    skipped = next(a for a in accounts if a["Id"] == pair.account_id)
    assert skipped.get("QuickBooks_Customer_Id__c") != pair.customer_id
    mirrors = [a for a in accounts if a.get("QuickBooks_Customer_Id__c") == pair.customer_id]
    assert len(mirrors) == 1 and mirrors[0]["Id"] != pair.account_id
