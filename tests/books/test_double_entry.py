"""The double-entry guard against both sandboxes: a payment that looks entered twice is mirrored
like any other and flagged "possible duplicate payment" in the run's report and in every check
of the books, until the bookkeeper marks it correct."""

from __future__ import annotations

from datetime import date, timedelta

from app.engine import double_entry
from app.engine.books.saved import for_run
from app.engine.report import build
from app.engine.result import RunStatus
from tests.books.conftest import mirror
from tests.integration.conftest import World

PAYMENT = "QuickBooks_Payment__c"
PAYMENT_ID = "QuickBooks_Payment_Id__c"


def test_two_same_amount_payments_both_mirror_and_the_second_is_flagged(synced: World) -> None:
    world = synced
    customer = world.qb.all("customer")[3]["id"]
    other = world.qb.all("customer")[4]["id"]
    day = date.today() - timedelta(days=10)  # inside the reconciliation's default 30 days
    first = world.qb.receive_payment(customer, "500.00", transaction_date=day.isoformat())
    second = world.qb.receive_payment(
        customer, "500.00", transaction_date=(day + timedelta(days=2)).isoformat()
    )
    # Told apart by different check numbers, by the customer, or by more than a few days.
    told_apart = [
        world.qb.receive_payment(other, "90.00", refNumber="CHK-1001", transaction_date=str(day)),
        world.qb.receive_payment(other, "90.00", refNumber="CHK-1002", transaction_date=str(day)),
        world.qb.receive_payment(other, "500.00", transaction_date=str(day)),
        world.qb.receive_payment(
            customer, "500.00", transaction_date=(day + timedelta(days=6)).isoformat()
        ),
    ]

    result = world.engine.run(trigger="test")
    assert result.status is RunStatus.SUCCEEDED, result.error
    # Both genuine payments reached Salesforce; nothing was held back.
    mirrored = {r[PAYMENT_ID] for r in world.sf_records(PAYMENT)}
    assert {first["id"], second["id"], *(p["id"] for p in told_apart)} <= mirrored
    assert mirror(world, PAYMENT, PAYMENT_ID, second["id"])["Amount__c"] == 500.0
    assert result.count("created", "payments") == 6
    assert result.count("warning", "payments") == 1
    [flagged] = world.store.run_items(result.run_id, "warning")
    assert (flagged.qb_id, flagged.code) == (second["id"], double_entry.CODE)
    message = flagged.message or ""
    assert "Possible duplicate payment" in message and "$500.00" in message
    assert "copied to Salesforce" in message

    report = build(world.store, result.run_id)
    assert report is not None and [r.quickbooks_id for r in report.attention] == [second["id"]]

    found = for_run(world.store, result.run_id)
    assert found is not None and not found.clean
    assert found.differences == [], found.report_lines()
    [duplicate] = found.possible_duplicates
    assert (duplicate.qb_id, duplicate.first_qb_id) == (second["id"], first["id"])
    assert any("possible duplicate payment" in line for line in found.report_lines())

    # A later sync flags it no second time; the books check keeps listing it until dismissed.
    again = world.engine.run(trigger="test")
    assert again.count("warning", "payments") == 0
    checked = world.engine.check_books()
    assert [p.qb_id for p in checked.possible_duplicates] == [second["id"]]
    assert not checked.clean

    assert world.engine.dismiss_duplicate(second["id"]) is True
    assert world.engine.dismiss_duplicate(second["id"]) is False  # nothing left to dismiss
    after = world.engine.check_books()
    assert after.possible_duplicates == [] and after.clean, after.report_lines()
    assert world.store.payment_flags() == []
    # Dismissed stays dismissed: the next sync does not flag it again.
    assert world.engine.run(trigger="test").count("warning", "payments") == 0
    assert world.store.payment_flags() == []
