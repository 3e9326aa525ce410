"""The review queue: each won opportunity with its invoice; approving creates it in QuickBooks."""

from __future__ import annotations

from typing import Any

import pytest

from app.engine.result import RunStatus
from app.sandbox.launcher import Sandboxes
from app.ui.menu import MenuAction
from app.ui.shell import Shell
from app.ui.windows.review import ReviewWindow

WAIT = 60_000


@pytest.fixture
def synced(qtbot: Any, shell: Shell) -> Shell:
    """Customers and items linked first, so won opportunities can become invoices."""
    with qtbot.waitSignal(shell.controller.run_finished, timeout=WAIT):
        shell.trigger(MenuAction.SYNC_NOW)
    return shell


def open_review(qtbot: Any, shell: Shell) -> ReviewWindow:
    shell.trigger(MenuAction.REVIEW)
    review = shell.windows["review"]
    assert isinstance(review, ReviewWindow)
    qtbot.waitUntil(lambda: not review.loading, timeout=WAIT)
    return review


def test_approving_creates_the_invoice_in_quickbooks(
    qtbot: Any, synced: Shell, sandboxes: Sandboxes
) -> None:
    shell = synced
    review = open_review(qtbot, shell)
    assert review.candidates
    waiting = sum(1 for c in review.candidates if c.decision is None)
    assert shell.controller.facts.review_count == waiting
    assert f"Review invoices to create ({waiting})" in [e.label for e in shell.entries()]

    ready = [c for c in review.candidates if c.draft.preview.can_approve]
    assert ready, "the sample org has won opportunities ready to invoice"
    candidate = ready[0]
    review.select([candidate.id])
    assert candidate.draft.preview.customer_name in review.invoice.text()
    assert review.lines.rowCount() == len(candidate.draft.preview.lines)
    assert review.approve_button.isEnabled()

    before = len(sandboxes.conductor.qb.all("invoice"))
    with qtbot.waitSignal(shell.controller.run_finished, timeout=WAIT) as finished:
        review.approve_button.click()
    assert finished.args[0] == "approve"
    assert finished.args[1].status is RunStatus.SUCCEEDED
    invoices = sandboxes.conductor.qb.all("invoice")
    assert len(invoices) == before + 1
    created = [i for i in invoices if i.get("externalId") == candidate.draft.external_id]
    assert len(created) == 1
    opportunity = next(
        o for o in sandboxes.salesforce.records("Opportunity") if o["Id"] == candidate.id
    )
    assert opportunity["QuickBooks_Invoice_Id__c"] == created[0]["id"]

    qtbot.waitUntil(lambda: not review.loading, timeout=WAIT)
    assert candidate.id not in {c.id for c in review.candidates}


def test_skip_asks_first_and_back_to_the_queue_undoes_it(qtbot: Any, synced: Shell) -> None:
    review = open_review(qtbot, synced)
    candidate = review.candidates[-1]
    asked: list[str] = []

    # Answered "No": nothing changes.
    review.confirm = lambda question: asked.append(question) is not None
    review.select([candidate.id])
    assert review.skip_button.isEnabled()
    review.skip_button.click()
    assert len(asked) == 1 and "Back to the queue" in asked[0]
    assert candidate.id not in synced.ctx.store.review_decisions()
    assert candidate.id in {c.id for c in review.candidates}

    review.confirm = lambda question: True
    review.skip_button.click()
    qtbot.waitUntil(lambda: not review.loading, timeout=WAIT)
    assert candidate.id not in {c.id for c in review.candidates}
    assert synced.ctx.store.review_decisions()[candidate.id] == "skipped"

    review.show_skipped.setChecked(True)
    assert [c.id for c in review.candidates] == [candidate.id]
    assert review.back_button.isVisible() and not review.approve_button.isVisible()
    review.select([candidate.id])
    review.back_button.click()
    qtbot.waitUntil(lambda: not review.loading, timeout=WAIT)
    assert review.candidates == []
    review.show_skipped.setChecked(False)
    back = next(c for c in review.candidates if c.id == candidate.id)
    assert back.decision is None
