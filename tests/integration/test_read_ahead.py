"""QuickBooks is read ahead while Salesforce is written: later steps' lists and the deletions are
asked for before the steps before them have finished writing, and nothing is read twice."""

from __future__ import annotations

import time
from collections import Counter
from urllib.parse import unquote_plus

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


def _customer_reads(world: World) -> int:
    reads = [r for r in world.qb_requests() if r["path"].endswith("/customers")]
    return sum(1 for r in reads if r["method"] == "GET" and "updatedAfter" in r["query"])


def _account_queries(world: World, since: int) -> int:
    asked = [unquote_plus(r.get("query", "")) for r in world.sf_requests()[since:]]
    return sum(1 for q in asked if "FROM Account WHERE" in q and "ORDER BY SystemModstamp" in q)


def test_customers_and_accounts_are_asked_for_when_the_run_starts_and_each_read_once(
    world: World,
) -> None:
    assert world.engine.run(trigger="test").status is RunStatus.SUCCEEDED
    world.sandboxes.conductor.app.clear_requests_log()
    sf_before = len(world.sf_requests())
    seen_at_start: list[int] = []

    def progress(step: Progress) -> None:
        # Held before the customers step reads anything: only readers started ahead can have
        # asked QuickBooks for customers, and Salesforce for accounts, yet.
        if step.workflow == "customers" and step.phase == "reading" and not seen_at_start:
            deadline = time.monotonic() + PATIENCE_S
            while time.monotonic() < deadline and not (
                _customer_reads(world) and _account_queries(world, sf_before)
            ):
                time.sleep(0.02)
            seen_at_start.extend([_customer_reads(world), _account_queries(world, sf_before)])

    result = world.engine.run(trigger="test", progress=progress)
    assert result.status is RunStatus.SUCCEEDED, result.error
    assert seen_at_start == [1, 1]
    assert _customer_reads(world) == 1
    assert _account_queries(world, sf_before) == 1


def test_an_account_pushed_to_quickbooks_is_read_back_after_it_is_written(world: World) -> None:
    assert world.engine.run(trigger="test").status is RunStatus.SUCCEEDED
    [made] = world.engine.salesforce.create(
        "Account", [{"Name": "Pier Nine Supply", "Sync_To_QuickBooks__c": True}]
    )
    assert made["success"], made
    world.sandboxes.conductor.app.clear_requests_log()
    result = world.engine.run(trigger="test")
    assert result.status is RunStatus.SUCCEEDED, result.error
    [customer] = [c for c in world.qb.all("customer") if c["name"] == "Pier Nine Supply"]
    # The list read ahead was taken before the customer existed: it is read again after.
    assert _customer_reads(world) == 2
    account = next(a for a in world.sf_records("Account") if a["Id"] == made["id"])
    assert account["QuickBooks_Customer_Id__c"] == customer["id"]
    # Read back, the new customer is known as the app's own write: nothing more is written.
    world.sandboxes.conductor.app.clear_requests_log()
    assert world.engine.run(trigger="test").status is RunStatus.SUCCEEDED
    assert not [r for r in world.qb_requests() if r["method"] == "POST"]
