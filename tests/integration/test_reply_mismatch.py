"""An invoice QuickBooks saved differently from the one approved is never linked by a sync: the
approval is held, the review queue names the difference, and only the bookkeeper's second
approval (after looking) links it, once."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.invoice_errors import REPLY_MISMATCH
from app.engine import review
from app.engine.result import RunStatus
from app.engine.review import ReviewCandidate
from tests.integration.conftest import World
from tests.integration.test_approvals import AlteredReply


def _ready(world: World) -> ReviewCandidate:
    assert world.engine.run().status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL)
    return next(c for c in world.engine.review_queue() if c.draft.preview.can_approve)


def _invoices_for(world: World, candidate: ReviewCandidate) -> list[dict[str, Any]]:
    return [
        i for i in world.qb.all("invoice") if i.get("externalId") == candidate.draft.external_id
    ]


def _invoice_id_on(world: World, candidate: ReviewCandidate) -> str | None:
    opportunity = next(o for o in world.sf_records("Opportunity") if o["Id"] == candidate.id)
    return opportunity.get("QuickBooks_Invoice_Id__c")


def _assert_held(world: World, candidate: ReviewCandidate, difference: str) -> None:
    """Not linked anywhere, out of the approved set, and named in the queue."""
    assert _invoice_id_on(world, candidate) is None
    assert candidate.id not in {link.sf_id for link in world.store.links("opportunities")}
    assert candidate.id not in world.store.review_decisions()
    shown = {c.id: c for c in world.engine.review_queue()}[candidate.id]
    state = review.state_text(shown)
    assert state.startswith("needs attention: QuickBooks saved invoice") and difference in state


def _approve_after_looking(world: World, candidate: ReviewCandidate) -> None:
    again = world.engine.approve([candidate.id])
    assert again.status is RunStatus.SUCCEEDED, world.store.run_items(again.run_id)
    [invoice] = _invoices_for(world, candidate)
    assert _invoice_id_on(world, candidate) == invoice["id"]
    approval = world.store.approval(candidate.id)
    assert approval is not None and not approval.held
    assert world.engine.run().status is RunStatus.SUCCEEDED
    assert len(_invoices_for(world, candidate)) == 1


def test_a_mismatched_reply_holds_the_approval_until_the_bookkeeper_approves_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    candidate = _ready(world)
    monkeypatch.setattr(world.engine.quickbooks, "__class__", AlteredReply)
    stopped = world.engine.approve([candidate.id], reviewed={candidate.id: candidate.reviewed})
    assert stopped.error is not None and stopped.error.code == REPLY_MISMATCH
    monkeypatch.undo()
    assert len(_invoices_for(world, candidate)) == 1

    # Later syncs neither link it nor send it again.
    for _ in range(2):
        world.engine.run()
        _assert_held(world, candidate, "its subtotal is")
    assert len(_invoices_for(world, candidate)) == 1
    _approve_after_looking(world, candidate)


def test_an_invoice_changed_in_quickbooks_before_its_lost_answer_is_found_is_held(
    world: World,
) -> None:
    candidate = _ready(world)
    world.sandboxes.conductor.add_fault("drop", method="POST", path="invoices$", after_commit=True)
    world.engine.approve([candidate.id], reviewed={candidate.id: candidate.reviewed})
    world.sandboxes.conductor.clear_faults()
    [invoice] = _invoices_for(world, candidate)
    world.qb.edit_invoice(invoice["id"], refNumber="HAND-1")

    found = world.engine.run()
    assert found.error is not None and found.error.code == REPLY_MISMATCH
    assert "HAND-1" in found.error.what_happened
    world.engine.run()
    _assert_held(world, candidate, "its number is 'HAND-1'")
    _approve_after_looking(world, candidate)
