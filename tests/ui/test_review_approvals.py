"""The review queue shows each invoice's number, an approval voided by a later change with both
amounts, and a deal QuickBooks already invoiced; the approve button signs what is shown."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from app.engine.books import money
from app.engine.result import RunStatus
from app.sandbox.launcher import Sandboxes
from app.ui.menu import MenuAction
from app.ui.shell import Shell
from tests.ui.test_review import WAIT, open_review, synced  # noqa: F401 (a fixture)

#: Set to a folder to keep a picture of the queue (docs/screenshots/review-approvals.png).
SCREENSHOT_DIR = os.environ.get("QBSF_SCREENSHOT_DIR")


def test_the_queue_shows_numbers_voided_approvals_and_deals_already_invoiced(
    qtbot: Any,
    synced: Shell,  # noqa: F811
    sandboxes: Sandboxes,
) -> None:
    shell = synced
    review = open_review(qtbot, shell)
    ready = [c for c in review.candidates if c.reviewed is not None]
    assert len(ready) >= 2
    changed, billed = ready[0], ready[1]
    for row, candidate in enumerate(review.candidates):
        shown = review.queue.item(row, 0).text()
        assert shown == (f"#{candidate.ref_number}" if candidate.ref_number else "")

    # Approved while QuickBooks shows a dialog: signed, not sent.
    sandboxes.conductor.add_fault("qb_dialog", method="POST", path="invoices$", times=None)
    review.select([changed.id])
    with qtbot.waitSignal(shell.controller.run_finished, timeout=WAIT) as finished:
        review.approve_button.click()
    assert finished.args[1].status is RunStatus.NEEDS_ATTENTION
    sandboxes.conductor.clear_faults()

    # A sales rep sets a line's quantity to 40; someone invoices another deal by hand.
    engine = shell.controller.provider.get()
    line = changed.lines[0]
    engine.salesforce.update("OpportunityLineItem", [{"Id": line["Id"], "Quantity": 40}])
    customer = billed.draft.preview.quickbooks_customer_id
    assert customer
    sandboxes.conductor.qb.add_invoice(
        customer,
        transaction_date=billed.draft.preview.transaction_date,
        memo=billed.name,
        refNumber="1043",
    )
    with qtbot.waitSignal(shell.controller.run_finished, timeout=WAIT) as finished:
        shell.trigger(MenuAction.SYNC_NOW)
    assert not any(
        i.get("externalId") == changed.draft.external_id
        for i in sandboxes.conductor.qb.all("invoice")
    ), "the changed invoice was not created"

    review.refresh()
    qtbot.waitUntil(lambda: not review.loading, timeout=WAIT)
    states = {c.id: review.queue.item(row, 5).text() for row, c in enumerate(review.candidates)}
    now = next(c for c in review.candidates if c.id == changed.id).draft.preview.subtotal
    was = changed.draft.preview.subtotal
    assert states[changed.id] == (f"changed since you approved: was {money(was)}, now {money(now)}")
    assert states[billed.id] == "already invoiced as #1043"
    review.select([billed.id])
    assert not review.approve_button.isEnabled()
    review.select([changed.id])
    assert review.approve_button.isEnabled()
    assert "Changed since you approved" in review.invoice.text()
    if SCREENSHOT_DIR:
        review.grab().save(str(Path(SCREENSHOT_DIR) / "review-approvals.png"))
