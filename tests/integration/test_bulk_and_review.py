"""Large backfills through Bulk API 2.0, and invoices created from approved opportunities."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.engine.context import EngineSettings
from app.engine.result import RunStatus
from app.sandbox.launcher import start_sandboxes
from tests.integration.conftest import World, build_world


@pytest.fixture
def bulk_world(data_dir: Path) -> Iterator[World]:
    with start_sandboxes(seed=11) as sandboxes:
        world = build_world(
            sandboxes, data_dir, EngineSettings(bulk_threshold=100, bulk_poll_s=0.05)
        )
        yield world
        world.store.close()


def test_backfill_above_threshold_goes_through_bulk_with_failed_rows_per_record(
    bulk_world: World,
) -> None:
    world = bulk_world
    rule = {
        "object": "QuickBooks_Invoice__c",
        "field": "Subtotal__c",
        "op": ">",
        "value": 2500,
        "message": "Invoices over 2,500 go through the credit desk.",
    }
    world.sf.set_config(validation_rules=[rule])
    result = world.engine.run(["customers", "invoices"])
    assert result.status is RunStatus.PARTIAL
    jobs = [r for r in world.sf_requests() if r["path"].rstrip("/").endswith("jobs/ingest")]
    assert jobs and all(r["method"] == "POST" for r in jobs)
    invoice_writes = [
        r
        for r in world.sf_requests()
        if "QuickBooks_Invoice__c" in r["path"] and r["method"] == "PATCH"
    ]
    assert invoice_writes == [], "invoices went through Bulk, not Collections"
    big = {i["id"] for i in world.qb.all("invoice") if float(i["subtotal"]) > 2500}
    assert big
    failed = world.store.run_items(result.run_id, "failed")
    assert {i.qb_id for i in failed} == big
    assert all("credit desk" in (i.message or "") for i in failed)
    mirrored = {r["QuickBooks_Invoice_Id__c"] for r in world.sf_records("QuickBooks_Invoice__c")}
    assert mirrored == {i["id"] for i in world.qb.all("invoice")} - big
    assert world.store.count_links("invoices") == len(mirrored)


def test_review_queue_lists_won_opportunities_and_approval_creates_one_invoice(
    world: World,
) -> None:
    assert world.engine.run().status is RunStatus.SUCCEEDED
    queue = world.engine.review_queue()
    assert queue, "the sample org has won opportunities waiting"
    ready = [c for c in queue if c.draft.preview.can_approve]
    assert ready, [c.draft.problems for c in queue]
    candidate = ready[0]
    preview = candidate.draft.preview
    assert preview.lines and preview.subtotal > 0
    before = len(world.qb.all("invoice"))
    result = world.engine.approve([candidate.id])
    assert result.status is RunStatus.SUCCEEDED, result.error
    invoices = world.qb.all("invoice")
    assert len(invoices) == before + 1
    created = [i for i in invoices if i.get("externalId") == candidate.draft.external_id]
    assert len(created) == 1
    opportunity = next(o for o in world.sf_records("Opportunity") if o["Id"] == candidate.id)
    assert opportunity["QuickBooks_Invoice_Id__c"] == created[0]["id"]
    # Approving again, or the next sync finishing approvals, creates nothing more.
    world.engine.approve([candidate.id])
    world.engine.run()
    assert len(world.qb.all("invoice")) == before + 1
    assert candidate.id not in {c.id for c in world.engine.review_queue()}


def test_skip_is_remembered(world: World) -> None:
    assert world.engine.run().status is RunStatus.SUCCEEDED
    candidate = world.engine.review_queue()[0]
    world.engine.skip([candidate.id])
    again = {c.id: c.decision for c in world.engine.review_queue()}
    assert again[candidate.id] == "skipped"


def test_a_backfill_in_several_bulk_jobs_links_every_record_once(
    bulk_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.engine import mirror

    monkeypatch.setattr(mirror, "bulk_part_rows", lambda total, sent=0: 120)
    world = bulk_world
    result = world.engine.run(["customers", "invoices"])
    assert result.status is RunStatus.SUCCEEDED, result.error
    jobs = [
        r
        for r in world.sf_requests()
        if r["method"] == "POST" and r["path"].rstrip("/").endswith("jobs/ingest")
    ]
    invoices = world.qb.all("invoice")
    assert len(invoices) == 300
    assert len(jobs) == 2, "one job per page of 150, each started while reading went on"
    mirrored = [r["QuickBooks_Invoice_Id__c"] for r in world.sf_records("QuickBooks_Invoice__c")]
    assert sorted(mirrored) == sorted(i["id"] for i in invoices)
    assert world.store.count_links("invoices") == len(invoices)
    assert world.store.get_cursor("invoices", "qb") is not None


def test_bulk_parts_shrink_to_leave_a_small_last_job() -> None:
    from app.engine.mirror_bulk import bulk_part_rows

    def parts(total: int) -> list[int]:
        sent, sizes = 0, []
        while sent < total:
            sizes.append(min(bulk_part_rows(total, sent), total - sent))
            sent += sizes[-1]
        return sizes

    assert parts(9_400) == [4_700, 2_350, 1_175, 588, 587]
    assert parts(2_400) == [1_200, 600, 600]
    large = parts(100_000)
    assert large[:18] == [5_000] * 18 and sum(large) == 100_000
    assert large[18:] == [5_000, 2_500, 1_250, 625, 625]
