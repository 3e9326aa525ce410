"""QuickBooks is read ahead while Salesforce is written: later steps' lists and the deletions are
asked for before the steps before them have finished writing, and nothing is read twice."""

from __future__ import annotations

import time
from collections import Counter

from app.engine.events import Progress
from app.engine.result import RunStatus
from tests.integration.conftest import World

#: How long the progress callback gives the reader thread to be seen asking (a bound, not a figure).
PATIENCE_S = 20


def _asked(world: World, resource: str) -> int:
    return sum(1 for r in world.qb_requests() if r["path"].endswith(f"/{resource}"))


def test_invoices_are_read_while_items_are_written_and_each_page_once(world: World) -> None:
    seen_during_items: list[int] = []

    def progress(step: Progress) -> None:
        # The run's thread is held here, at the end of the items step: only a reader started
        # ahead can ask QuickBooks for invoices meanwhile.
        if step.workflow == "items" and step.phase == "done" and not seen_during_items:
            deadline = time.monotonic() + PATIENCE_S
            while time.monotonic() < deadline and not (
                _asked(world, "invoices") and _asked(world, "deleted-transactions")
            ):
                time.sleep(0.02)
            seen_during_items.extend(
                [_asked(world, "invoices"), _asked(world, "deleted-transactions")]
            )

    result = world.engine.run(trigger="test", progress=progress)
    assert result.status is RunStatus.SUCCEEDED, result.error
    assert seen_during_items[:1] >= [1], "invoices asked for before the items step ended"
    assert seen_during_items[1:] == [1], "deletions asked for once, before the items step ended"
    invoices = world.qb.all("invoice")
    mirrored = [r["QuickBooks_Invoice_Id__c"] for r in world.sf_records("QuickBooks_Invoice__c")]
    assert sorted(mirrored) == sorted(i["id"] for i in invoices)
    # Each list read once, page by page: read ahead is not read twice.
    pages = -(-len(invoices) // 150)
    assert _asked(world, "invoices") == pages
    reads = Counter(
        r["path"].rsplit("/", 1)[-1] for r in world.qb_requests() if r["method"] == "GET"
    )
    assert reads["credit-memos"] == reads["receive-payments"] == 1, reads
    assert reads["deleted-transactions"] == 1, reads
