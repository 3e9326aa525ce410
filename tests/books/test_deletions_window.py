"""Deletions after a long gap: `deletedAfter` is never asked older than QuickBooks' 90-day window,
and deletions QuickBooks has forgotten since are found by looking the linked ids up in its
current lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from app.domain.workflows import STATUS_DELETED
from app.engine.deletions import CHECKED, CURSOR, HORIZON
from app.engine.result import RunStatus
from tests.books.conftest import mirror
from tests.integration.conftest import World

INVOICE = "QuickBooks_Invoice__c"
INVOICE_ID = "QuickBooks_Invoice_Id__c"
PAYMENT = "QuickBooks_Payment__c"
PAYMENT_ID = "QuickBooks_Payment_Id__c"


def test_after_months_off_no_deletion_is_missed(synced: World) -> None:
    world = synced
    invoice = next(i for i in world.qb.all("invoice") if not i["isPaid"])
    payment = world.qb.all("receive_payment")[0]
    world.qb.delete_invoice(invoice["id"])
    world.qb.delete_payment(payment["id"])
    # The app is off for four months: QuickBooks forgets deletions older than 90 days.
    later = datetime.now(UTC) + timedelta(days=120)
    world.sandboxes.conductor.company.clock.observe(later)
    months_ago = (datetime.now(UTC) - timedelta(days=120)).isoformat(timespec="seconds")
    world.store.set_cursor(CURSOR, "qb", months_ago)
    world.store.set_cursor(CURSOR, CHECKED, months_ago)
    assert world.qb_requests() and not _listed_deleted(world, months_ago)

    before = len(world.qb_requests())
    result = world.engine.run(trigger="test")
    assert result.status is RunStatus.SUCCEEDED, result.error
    assert mirror(world, INVOICE, INVOICE_ID, invoice["id"])["Status__c"] == STATUS_DELETED
    assert mirror(world, PAYMENT, PAYMENT_ID, payment["id"])["Status__c"] == STATUS_DELETED
    asked = [
        parse_qs(r["query"])["deletedAfter"][0]
        for r in world.qb_requests()[before:]
        if r["path"].endswith("/deleted-transactions")
    ]
    assert asked, "deletions were read"
    oldest = datetime.now(UTC) - HORIZON - timedelta(minutes=5)
    assert all(datetime.fromisoformat(a) >= oldest for a in asked), asked

    # Looked at now, the next run needs no sweep of the lists.
    before = len(world.qb_requests())
    assert world.engine.run(trigger="test").status is RunStatus.SUCCEEDED
    ids_asked = [r for r in world.qb_requests()[before:] if "ids=" in r["query"]]
    assert ids_asked == []


def _listed_deleted(world: World, since: str) -> list[object]:
    """What QuickBooks still lists as deleted since `since` (clipped to its window)."""
    client = world.engine.quickbooks
    return list(client.deleted_transactions(["invoice", "receive_payment"], since))
