"""Per-record failures do not stop a run, read plainly, and "retry failed" fixes what was fixed."""

from __future__ import annotations

from app.engine.result import RunStatus
from tests.integration.conftest import World

RULE = {
    "object": "QuickBooks_Payment__c",
    "field": "Amount__c",
    "op": ">",
    "value": 900,
    "message": "Payments over 900 need a manager's approval in Salesforce.",
    "name": "Large_Payment",
}


def test_validation_rule_and_too_long_name_are_per_record_and_retry_fixes_them(
    world: World,
) -> None:
    world.sf.set_config(validation_rules=[RULE])
    long_name = "Northwind Consolidated Holdings International Trading Group"  # > 41
    created = world.engine.salesforce.session.post(
        f"{world.engine.salesforce.base}sobjects/Account/",
        json={"Name": long_name, "Sync_To_QuickBooks__c": True},
    )
    account = {"Id": created.json()["id"]}
    result = world.engine.run()
    assert result.status is RunStatus.PARTIAL
    big = [p for p in world.qb.all("receive_payment") if float(p["totalAmount"]) > 900]
    assert big, "the sample company has large payments"
    failed = world.store.run_items(result.run_id, "failed")
    payment_failures = [i for i in failed if i.workflow == "payments"]
    assert {i.qb_id for i in payment_failures} == {p["id"] for p in big}
    assert all("manager's approval" in (i.message or "") for i in payment_failures)
    assert all(i.code == "FIELD_CUSTOM_VALIDATION_EXCEPTION" for i in payment_failures)
    name_failures = [i for i in failed if i.workflow == "customers"]
    assert [i.sf_id for i in name_failures] == [account["Id"]]
    assert "41" in (name_failures[0].message or "")
    # Everything else went through.
    assert result.count("created", "invoices") == len(world.qb.all("invoice"))

    # The rule is lifted and the name shortened: retrying the failed records fixes exactly them.
    world.sf.set_config(validation_rules=[])
    world.engine.salesforce.update("Account", [{"Id": account["Id"], "Name": "Northwind Holdings"}])
    retry = world.engine.run(retry_of=result.run_id)
    assert retry.status is RunStatus.SUCCEEDED, retry.error
    assert retry.count("created", "payments") == len(big)
    assert retry.count("created", "customers") == 1
    assert [c["name"] for c in world.qb.all("customer")].count("Northwind Holdings") == 1
    assert len(world.sf_records("QuickBooks_Payment__c")) == len(world.qb.all("receive_payment"))


def test_row_lock_that_clears_is_retried_within_the_run(world: World) -> None:
    world.sf.add_fault("row_lock", method="PATCH", path="QuickBooks_Invoice__c", times=1)
    result = world.engine.run(["customers", "invoices"])
    assert result.status is RunStatus.SUCCEEDED, result.error
    assert result.count("created", "invoices") == len(world.qb.all("invoice"))


def test_row_lock_that_persists_fails_plainly_and_is_read_again_next_run(world: World) -> None:
    world.sf.add_fault("row_lock", method="PATCH", path="QuickBooks_Invoice__c", times=None)
    result = world.engine.run(["customers", "invoices"])
    assert result.status is RunStatus.PARTIAL
    failed = world.store.run_items(result.run_id, "failed")
    assert failed and all(i.code == "UNABLE_TO_LOCK_ROW" for i in failed)
    assert world.store.get_cursor("invoices", "qb") is None, "the cursor waits for them"
    world.sf.clear_faults()
    again = world.engine.run(["customers", "invoices"])
    assert again.status is RunStatus.SUCCEEDED
    mirrored = world.sf_records("QuickBooks_Invoice__c")
    assert len(mirrored) == len(world.qb.all("invoice"))


def test_a_normal_sync_tries_earlier_failures_again(world: World) -> None:
    world.sf.set_config(validation_rules=[RULE])
    first = world.engine.run()
    failed = {i.qb_id for i in world.store.run_items(first.run_id, "failed")}
    assert failed
    world.sf.set_config(validation_rules=[])
    second = world.engine.run()
    assert second.status is RunStatus.SUCCEEDED, second.error
    assert second.count("created", "payments") == len(failed)
    assert len(world.sf_records("QuickBooks_Payment__c")) == len(world.qb.all("receive_payment"))
    third = world.engine.run()
    assert third.count("created") == 0 and third.count("updated") == 0
