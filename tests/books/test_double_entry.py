"""The double-entry guard against both sandboxes: a payment entered twice is held back as a
warning, shown by the reconciliation, and mirrored only when the bookkeeper re-syncs it."""

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


def test_a_payment_entered_twice_is_held_as_a_warning_not_mirrored(synced: World) -> None:
    world = synced
    customer = world.qb.all("customer")[3]["id"]
    other = world.qb.all("customer")[4]["id"]
    day = date.today() - timedelta(days=10)  # inside the reconciliation's default 30 days
    first = world.qb.receive_payment(customer, "250.00", transaction_date=day.isoformat())
    twice = world.qb.receive_payment(
        customer, "250.00", transaction_date=(day + timedelta(days=1)).isoformat()
    )
    # Told apart by different check numbers, by the customer, or by more than a few days.
    checks = [
        world.qb.receive_payment(other, "90.00", refNumber="CHK-1001", transaction_date=str(day)),
        world.qb.receive_payment(other, "90.00", refNumber="CHK-1002", transaction_date=str(day)),
        world.qb.receive_payment(other, "250.00", transaction_date=str(day)),
        world.qb.receive_payment(
            customer, "250.00", transaction_date=(day + timedelta(days=5)).isoformat()
        ),
    ]

    result = world.engine.run(trigger="test")
    assert result.status is RunStatus.SUCCEEDED, result.error
    assert result.count("warning", "payments") == 1
    [held] = world.store.run_items(result.run_id, "warning")
    assert (held.qb_id, held.code) == (twice["id"], double_entry.CODE)
    assert "second entry" in (held.message or "") and "$250.00" in (held.message or "")
    mirrored = {r[PAYMENT_ID] for r in world.sf_records(PAYMENT)}
    assert twice["id"] not in mirrored
    assert {first["id"], *(p["id"] for p in checks)} <= mirrored

    report = build(world.store, result.run_id)
    assert report is not None and [r.quickbooks_id for r in report.attention] == [twice["id"]]

    found = for_run(world.store, result.run_id)
    assert found is not None and not found.clean
    [difference] = found.differences
    assert difference.qb_id == twice["id"]
    assert f"held as a possible double entry in run #{result.run_id}" in difference.detail

    # A later sync does not slip it through; the bookkeeper's re-sync does.
    again = world.engine.run(trigger="test")
    assert twice["id"] not in {r[PAYMENT_ID] for r in world.sf_records(PAYMENT)}
    repaired = world.engine.repair(for_run(world.store, again.run_id))  # type: ignore[arg-type]
    assert repaired is not None and repaired.status is RunStatus.SUCCEEDED
    assert mirror(world, PAYMENT, PAYMENT_ID, twice["id"])["Amount__c"] == 250.0
    after = for_run(world.store, repaired.run_id)
    assert after is not None and after.clean, after.report_lines() if after else None
