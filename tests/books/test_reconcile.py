"""Reconciliation against both sandboxes: clean books agree to the cent; every kind of divergence
is reported exactly, and the fix re-syncs exactly those records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.engine.books.after_sync import PROGRESS
from app.engine.books.model import Kind, Totals
from app.engine.books.saved import for_run
from app.engine.events import Progress
from app.engine.report import build
from tests.books.conftest import PERIOD, mirror
from tests.integration.conftest import World

INVOICE = "QuickBooks_Invoice__c"
INVOICE_ID = "QuickBooks_Invoice_Id__c"
PAYMENT = "QuickBooks_Payment__c"
PAYMENT_ID = "QuickBooks_Payment_Id__c"
PERIOD_DATES = (date.fromisoformat(PERIOD[0]), date.fromisoformat(PERIOD[1]))


def _open_invoices(world: World) -> tuple[int, Decimal]:
    unpaid = [i for i in world.qb.all("invoice") if not i["isPaid"]]
    return len(unpaid), sum((Decimal(i["balanceRemaining"]) for i in unpaid), Decimal(0))


def _payments_in_period(world: World) -> tuple[int, Decimal]:
    paid = [
        p for p in world.qb.all("receive_payment") if PERIOD[0] <= p["transactionDate"] <= PERIOD[1]
    ]
    return len(paid), sum((Decimal(p["totalAmount"]) for p in paid), Decimal(0))


def test_after_a_clean_sync_the_books_agree_to_the_cent(synced: World) -> None:
    world = synced
    after_sync = for_run(world.store, world.store.last_run().id)  # type: ignore[union-attr]
    assert after_sync is not None and after_sync.clean, after_sync and after_sync.report_lines()

    found = world.engine.check_books(period=PERIOD_DATES)
    assert found.clean, found.report_lines()
    count, total = _open_invoices(world)
    assert count > 100
    assert found.open_invoices.quickbooks == Totals(count=count, total=total)
    assert found.open_invoices.salesforce == found.open_invoices.quickbooks
    payments, paid = _payments_in_period(world)
    assert payments > 5
    assert found.payments.quickbooks == Totals(count=payments, total=paid)
    assert found.payments.salesforce == found.payments.quickbooks
    assert found.customers_compared >= 30 and found.customers == []
    assert found.headline() == (
        f"QuickBooks has {count} open invoices totalling ${total:,.2f}; "
        f"Salesforce shows {count} totalling ${total:,.2f}: they agree to the cent."
    )
    # QuickBooks is read with its own filters: unpaid invoices, payments dated in the period.
    queries = [r["query"] for r in world.qb_requests() if r["path"].endswith("/invoices")]
    assert any("paymentStatus=not_paid" in q and "includeLineItems=false" in q for q in queries)


def test_a_sync_with_nothing_new_asks_only_salesforce_again(synced: World) -> None:
    world = synced
    qb_before = len(world.qb_requests())
    events: list[Progress] = []
    second = world.engine.run(trigger="test", progress=events.append)
    checked = for_run(world.store, second.run_id)
    assert checked is not None and checked.clean and checked.reused_from is not None
    done = [e for e in events if e.workflow == PROGRESS and e.phase == "done"]
    assert [e.message for e in done] == [checked.headline()]
    reads = [r["query"] for r in world.qb_requests()[qb_before:]]
    assert not any("not_paid" in q for q in reads)

    # Salesforce changed behind the app's back: the cheap check notices, the full one lists it.
    invoice = next(i for i in world.qb.all("invoice") if not i["isPaid"])
    row = mirror(world, INVOICE, INVOICE_ID, invoice["id"])
    world.engine.salesforce.update(INVOICE, [{"Id": row["Id"], "Balance_Remaining__c": 7.5}])
    third = world.engine.run(trigger="test")
    found = for_run(world.store, third.run_id)
    assert found is not None and not found.clean and found.reused_from is None
    assert [(d.kind, d.qb_id) for d in found.differences] == [(Kind.AMOUNT_DIFFERS, invoice["id"])]


def test_diverged_books_are_reported_exactly_and_the_fix_repairs_exactly_those(
    synced: World,
) -> None:
    world = synced
    sf = world.engine.salesforce
    unpaid = [
        i for i in world.qb.all("invoice") if not i["isPaid"] and i["appliedAmount"] == "0.00"
    ]
    deleted_mirror, edited, voided, gone = unpaid[0], unpaid[1], unpaid[2], unpaid[3]
    in_period = sorted(
        (
            p
            for p in world.qb.all("receive_payment")
            if PERIOD[0] <= p["transactionDate"] <= PERIOD[1]
        ),
        key=lambda p: p["id"],
    )
    deleted_payment, edited_payment = in_period[0], in_period[1]

    row = mirror(world, INVOICE, INVOICE_ID, deleted_mirror["id"])
    assert sf.session.delete(f"{sf.base}sobjects/{INVOICE}/{row['Id']}").status_code == 204
    row = mirror(world, INVOICE, INVOICE_ID, edited["id"])
    sf.update(INVOICE, [{"Id": row["Id"], "Balance_Remaining__c": 1.23}])
    added = world.qb.add_invoice(unpaid[5]["customer"]["id"], refNumber="NEW-1")
    world.qb.void_invoice(voided["id"])
    world.qb.delete_invoice(gone["id"])
    row = mirror(world, PAYMENT, PAYMENT_ID, deleted_payment["id"])
    assert sf.session.delete(f"{sf.base}sobjects/{PAYMENT}/{row['Id']}").status_code == 204
    row = mirror(world, PAYMENT, PAYMENT_ID, edited_payment["id"])
    sf.update(PAYMENT, [{"Id": row["Id"], "Amount__c": 1.0}])

    found = world.engine.check_books(period=PERIOD_DATES)
    expected = {
        ("invoices", Kind.MISSING_IN_SALESFORCE, deleted_mirror["id"]),
        ("invoices", Kind.AMOUNT_DIFFERS, edited["id"]),
        ("invoices", Kind.MISSING_IN_SALESFORCE, added["id"]),
        ("invoices", Kind.ONLY_IN_SALESFORCE, voided["id"]),
        ("invoices", Kind.ONLY_IN_SALESFORCE, gone["id"]),
        ("payments", Kind.MISSING_IN_SALESFORCE, deleted_payment["id"]),
        ("payments", Kind.AMOUNT_DIFFERS, edited_payment["id"]),
    } | {  # QuickBooks' balances moved with the invoices added, voided and deleted there
        ("customers", Kind.AMOUNT_DIFFERS, i["customer"]["id"]) for i in (added, voided, gone)
    }
    assert {(d.workflow, d.kind, d.qb_id) for d in found.differences} == expected
    by_id = {d.qb_id: d for d in found.differences}
    assert by_id[edited["id"]].salesforce_amount == Decimal("1.23")
    assert by_id[edited["id"]].quickbooks_amount == Decimal(edited["balanceRemaining"])
    assert "voided in QuickBooks" in by_id[voided["id"]].detail
    assert "deleted" in by_id[gone["id"]].detail and not by_id[gone["id"]].in_quickbooks
    assert "no record" in by_id[deleted_mirror["id"]].detail

    count, total = _open_invoices(world)
    assert found.open_invoices.quickbooks == Totals(count=count, total=total)
    sf_total = (
        total
        - Decimal(deleted_mirror["balanceRemaining"])
        - Decimal(edited["balanceRemaining"])
        + Decimal("1.23")
        - Decimal(added["balanceRemaining"])
        + Decimal(voided["balanceRemaining"])
        + Decimal(gone["balanceRemaining"])
    )
    assert found.open_invoices.salesforce == Totals(count=count, total=sf_total)
    assert found.headline().endswith(
        "2 missing in Salesforce, 1 different amount, 2 only in Salesforce, listed below."
    )
    assert found.headline().startswith(f"QuickBooks has {count} open invoices totalling")

    sf_before = len(world.sf_requests())
    repaired = world.engine.repair(found)
    assert repaired is not None and repaired.status.value == "succeeded", repaired
    touched = {(i.workflow, i.qb_id) for i in world.store.run_items(repaired.run_id)}
    assert touched == {(w, qb_id) for w, _, qb_id in expected}
    writes = [r for r in world.sf_requests()[sf_before:] if r["method"] == "PATCH"]
    assert writes and all(
        INVOICE in r["path"] or PAYMENT in r["path"] or "Account" in r["path"] for r in writes
    )

    assert mirror(world, INVOICE, INVOICE_ID, voided["id"])["Status__c"] == "Voided"
    assert mirror(world, INVOICE, INVOICE_ID, gone["id"])["Status__c"] == "Deleted in QuickBooks"
    fixed = mirror(world, INVOICE, INVOICE_ID, edited["id"])
    assert Decimal(str(fixed["Balance_Remaining__c"])) == Decimal(edited["balanceRemaining"])
    assert mirror(world, PAYMENT, PAYMENT_ID, deleted_payment["id"])
    after_fix = for_run(world.store, repaired.run_id)
    assert after_fix is not None and after_fix.open_invoices.agrees
    assert world.engine.check_books(period=PERIOD_DATES).clean

    # The fix's report shows the Salesforce value it replaced.
    report = build(world.store, repaired.run_id)
    assert report is not None
    changes = {r.quickbooks_id: r.changes for r in report.records}
    assert any(
        c.field == "Balance_Remaining__c" and c.before == 1.23 for c in changes[edited["id"]]
    )
    assert any(c.field == "Status__c" and c.after == "Voided" for c in changes[voided["id"]])
