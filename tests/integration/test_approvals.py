"""An approval is a signature on one exact invoice: what is sent is what was approved, numbered;
a change in Salesforce before QuickBooks confirms voids it; old or already invoiced deals are
not offered; QuickBooks' answer is checked against what was sent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from app.domain.invoice_errors import REPLY_MISMATCH
from app.engine import review
from app.engine.books import money
from app.engine.result import RunStatus
from app.engine.review import ReviewCandidate
from app.quickbooks import QuickBooks
from app.store.settings import (
    GO_LIVE_DATE,
    INVOICE_NUMBER_COUNTER,
    INVOICE_NUMBER_FIELD,
    INVOICE_NUMBER_PREFIX,
    INVOICE_NUMBER_RULE,
)
from tests.integration.conftest import World


def _ready(world: World) -> list[ReviewCandidate]:
    # The first sync links customers and items; a customer it holds back is no concern here.
    assert world.engine.run().status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL)
    ready = [c for c in world.engine.review_queue() if c.draft.preview.can_approve]
    assert len(ready) >= 2, [c.draft.problems for c in world.engine.review_queue()]
    return ready


def _invoices_for(world: World, candidate: ReviewCandidate) -> list[dict[str, Any]]:
    return [
        i for i in world.qb.all("invoice") if i.get("externalId") == candidate.draft.external_id
    ]


def _numeric_refs(world: World) -> list[int]:
    return [
        int(i["refNumber"]) for i in world.qb.all("invoice") if str(i.get("refNumber")).isdigit()
    ]


def test_an_opportunity_changed_after_approval_is_not_created_and_comes_back_with_both_amounts(
    world: World,
) -> None:
    candidate = _ready(world)[0]
    approved_total = candidate.draft.preview.subtotal
    # QuickBooks shows a dialog: the approval is signed, the create cannot be sent.
    world.sandboxes.conductor.add_fault("qb_dialog", method="POST", path="invoices$", times=None)
    stopped = world.engine.approve([candidate.id], reviewed={candidate.id: candidate.reviewed})
    assert stopped.status is RunStatus.NEEDS_ATTENTION
    assert world.store.review_decisions()[candidate.id] == "approved"
    world.sandboxes.conductor.clear_faults()

    # A sales rep changes a line's quantity to 40 before the next sync.
    line = candidate.lines[0]
    world.engine.salesforce.update("OpportunityLineItem", [{"Id": line["Id"], "Quantity": 40}])
    before = len(world.qb.all("invoice"))
    result = world.engine.run()
    assert result.status is RunStatus.PARTIAL, "a lapsed approval is not a success"
    assert len(world.qb.all("invoice")) == before and not _invoices_for(world, candidate)
    items = [i for i in world.store.run_items(result.run_id) if i.sf_id == candidate.id]
    assert [i.code for i in items] == [review.APPROVAL_LAPSED]

    queue = {c.id: c for c in world.engine.review_queue()}
    back = queue[candidate.id]
    now_total = back.draft.preview.subtotal
    assert now_total != approved_total and back.decision is None
    assert back.changed_since_approval == (
        f"changed since you approved: was {money(approved_total)}, now {money(now_total)}"
    )
    # No later sync creates it until it is approved again.
    world.engine.run()
    assert not _invoices_for(world, candidate)

    again = world.engine.approve([candidate.id], reviewed={candidate.id: back.reviewed})
    assert again.status is RunStatus.SUCCEEDED, again.error
    created = _invoices_for(world, candidate)
    assert len(created) == 1 and Decimal(created[0]["subtotal"]) == now_total
    assert created[0]["refNumber"] == back.ref_number


def test_an_invoice_changed_after_the_bookkeeper_looked_is_not_approved(world: World) -> None:
    candidate = _ready(world)[0]
    line = candidate.lines[0]
    world.engine.salesforce.update("OpportunityLineItem", [{"Id": line["Id"], "Quantity": 40}])
    result = world.engine.approve([candidate.id], reviewed={candidate.id: candidate.reviewed})
    items = world.store.run_items(result.run_id)
    assert [i.code for i in items] == [review.CHANGED_SINCE_REVIEW]
    assert not _invoices_for(world, candidate)
    assert candidate.id not in world.store.review_decisions()


def test_approved_invoices_carry_the_unique_numbers_shown_and_their_mirror_names_the_deal(
    world: World,
) -> None:
    first, second = _ready(world)[:2]
    highest = max(_numeric_refs(world))
    assert first.ref_number == str(highest + 1) and second.ref_number == str(highest + 2)
    # Approving the second alone keeps the number it was shown.
    result = world.engine.approve([second.id], reviewed={second.id: second.reviewed})
    assert result.status is RunStatus.SUCCEEDED, world.store.run_items(result.run_id)
    result = world.engine.approve([first.id], reviewed={first.id: first.reviewed})
    assert result.status is RunStatus.SUCCEEDED, world.store.run_items(result.run_id)
    made = {c.id: _invoices_for(world, c) for c in (first, second)}
    assert [i["refNumber"] for i in made[first.id]] == [first.ref_number]
    assert [i["refNumber"] for i in made[second.id]] == [second.ref_number]
    refs = [i.get("refNumber") for i in world.qb.all("invoice")]
    assert refs.count(first.ref_number) == refs.count(second.ref_number) == 1
    mirrors = {r["QuickBooks_Invoice_Id__c"]: r for r in world.sf_records("QuickBooks_Invoice__c")}
    for candidate in (first, second):
        mirror = mirrors[made[candidate.id][0]["id"]]
        assert mirror["Opportunity__c"] == candidate.id
        assert mirror["Name"] == candidate.ref_number
    # The next list proposes numbers after them.
    waiting = [c for c in world.engine.review_queue() if c.ref_number and c.decision is None]
    assert waiting and int(waiting[0].ref_number or 0) == highest + 3


def test_a_number_taken_in_quickbooks_after_approval_voids_it(world: World) -> None:
    candidate = _ready(world)[0]
    world.sandboxes.conductor.add_fault("qb_dialog", method="POST", path="invoices$", times=None)
    world.engine.approve([candidate.id], reviewed={candidate.id: candidate.reviewed})
    world.sandboxes.conductor.clear_faults()
    customer = candidate.draft.preview.quickbooks_customer_id
    assert customer and candidate.ref_number
    world.qb.add_invoice(customer, refNumber=candidate.ref_number)
    result = world.engine.run()
    items = [i for i in world.store.run_items(result.run_id) if i.sf_id == candidate.id]
    assert [i.code for i in items] == [review.APPROVAL_LAPSED]
    assert f"numbered {candidate.ref_number}" in (items[0].message or "")
    assert not _invoices_for(world, candidate)
    fresh = {c.id: c for c in world.engine.review_queue()}[candidate.id]
    assert fresh.ref_number != candidate.ref_number


def test_old_and_already_invoiced_opportunities_are_not_offered(world: World) -> None:
    ready = _ready(world)
    billed = ready[0]
    customer = billed.draft.preview.quickbooks_customer_id
    assert customer
    # Invoiced by hand in QuickBooks (which numbers what is typed there), the deal's name as memo.
    typed = world.qb.add_invoice(
        customer,
        transaction_date=billed.draft.preview.transaction_date,
        memo=billed.name,
        refNumber="1043",
    )
    queue = {c.id: c for c in world.engine.review_queue()}
    shown = queue[billed.id]
    assert shown.invoiced_as == typed["refNumber"] == "1043"
    assert not shown.draft.preview.can_approve and shown.ref_number is None
    assert "Already invoiced as #1043" in shown.draft.problems[0].message
    assert review.state_text(shown) == "already invoiced as #1043"
    before = len(world.qb.all("invoice"))
    result = world.engine.approve([billed.id])
    assert [i.code for i in world.store.run_items(result.run_id)] == [review.ALREADY_INVOICED]
    assert len(world.qb.all("invoice")) == before

    # A go-live date after some wins leaves those out of the queue.
    days = sorted({c.draft.preview.transaction_date or "" for c in queue.values()})
    assert len(days) >= 2
    world.store.set(GO_LIVE_DATE, days[-1])
    later = world.engine.review_queue()
    assert later and all((c.draft.preview.transaction_date or "") >= days[-1] for c in later)
    old = next(c for c in queue.values() if (c.draft.preview.transaction_date or "") < days[-1])
    assert world.engine.approve([old.id]).status is RunStatus.SUCCEEDED
    assert not _invoices_for(world, old)


def test_the_go_live_date_is_the_day_the_queue_is_first_built(world: World) -> None:
    world.store.clear(GO_LIVE_DATE)
    world.engine.run()
    assert world.engine.review_queue() == [], "the sample org's deals were all won before today"
    assert world.store.get(GO_LIVE_DATE)


class AlteredReply(QuickBooks):
    """A connection whose answer to an invoice create is not what QuickBooks saved."""

    def create(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        created = super().create(kind, body)
        if kind == "invoice":
            created["subtotal"] = str(Decimal(created["subtotal"]) + 1)
        return created


def test_a_create_reply_that_differs_from_the_approved_invoice_stops_the_run(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _ready(world)[:2]
    monkeypatch.setattr(world.engine.quickbooks, "__class__", AlteredReply)
    result = world.engine.approve([first.id, second.id])
    assert result.status is RunStatus.NEEDS_ATTENTION
    assert result.error is not None and result.error.code == REPLY_MISMATCH
    assert "subtotal" in result.error.what_happened
    assert len(_invoices_for(world, first)) == 1
    assert not _invoices_for(world, second), "the run stopped before the next create"


def test_a_prefix_series_skips_a_number_typed_by_hand_in_quickbooks(world: World) -> None:
    # QuickBooks refuses a whole refNumbers list when one number matches nothing, so the numbers
    # around a hand-typed one must not hide it.
    world.store.set(INVOICE_NUMBER_RULE, "prefix")
    world.store.set(INVOICE_NUMBER_PREFIX, "WEB-")
    world.store.set(INVOICE_NUMBER_COUNTER, 1)
    ready = _ready(world)
    customer = ready[0].draft.preview.quickbooks_customer_id
    assert customer
    world.qb.add_invoice(customer, refNumber="WEB-2")
    world.sandboxes.conductor.app.clear_requests_log()
    proposed = [c.ref_number for c in world.engine.review_queue() if c.ref_number]
    assert len(proposed) >= 2
    assert "WEB-2" not in proposed and proposed[:2] == ["WEB-1", "WEB-3"]
    # The series is read as one range, not refused number by number.
    asked = [r for r in world.qb_requests() if "refNumber" in r["query"]]
    assert len(asked) == 1 and "refNumberFrom=WEB-1" in asked[0]["query"], asked


def test_numbers_from_an_opportunity_field_already_in_quickbooks_are_refused(
    world: World,
) -> None:
    first, second = _ready(world)[:2]
    api = world.simple_salesforce()
    api.Opportunity.update(first.id, {"NextStep": "F-101"})
    api.Opportunity.update(second.id, {"NextStep": "F-102"})
    world.store.set(INVOICE_NUMBER_RULE, "opportunity_field")
    world.store.set(INVOICE_NUMBER_FIELD, "NextStep")
    customer = first.draft.preview.quickbooks_customer_id
    assert customer
    # One number taken, the other free: asked together, the free one must not hide the taken one.
    world.qb.add_invoice(customer, refNumber="F-101")
    queue = {c.id: c for c in world.engine.review_queue()}
    assert "numbered F-101" in " ".join(p.message for p in queue[first.id].draft.problems)
    assert queue[second.id].ref_number == "F-102"
