"""Retrying failed records reads each from the QuickBooks list it came from: service and
non-inventory items both come back, exactly once; a record QuickBooks deleted since is reported
so, and the run does not claim success."""

from __future__ import annotations

from app.domain.outcomes import Outcome
from app.engine.mirror_chosen import DELETED_IN_QUICKBOOKS
from app.engine.result import RunResult, RunStatus
from tests.integration.conftest import World

ITEM_ID = "QuickBooks_Item_Id__c"
KINDS = ("service_item", "non_inventory_item")


def _items_failed_by_a_row_lock(world: World) -> int:
    """A first items sync whose every Product2 write meets a row lock; its run id."""
    world.sf.add_fault("row_lock", method="PATCH", path="Product2", times=None)
    first = world.engine.run(["items"])
    world.sf.clear_faults()
    assert first.status is RunStatus.PARTIAL
    return first.run_id


def _written(result: RunResult) -> int:
    return result.count(Outcome.CREATED, "items") + result.count(Outcome.UPDATED, "items")


def _qb_reads(world: World, since: int) -> list[str]:
    return [r["path"] for r in world.qb_requests()[since:] if r["method"] == "GET"]


def test_retry_failed_reads_each_kind_from_its_own_list(world: World) -> None:
    run_id = _items_failed_by_a_row_lock(world)
    by_kind = {kind: {i["id"] for i in world.qb.all(kind)} for kind in KINDS}
    failed = world.store.run_items(run_id, Outcome.FAILED.value)
    assert {i.qb_id for i in failed} == by_kind["service_item"] | by_kind["non_inventory_item"]
    assert all(by_kind[i.resource or ""] >= {i.qb_id} for i in failed)
    assert all(by_kind[kind] for kind in KINDS)

    qb_before, sf_before = len(world.qb_requests()), len(world.sf_requests())
    retried = world.engine.run(["items"], retry_of=run_id)

    assert retried.status is RunStatus.SUCCEEDED, retried.error
    assert _written(retried) == len(failed)
    assert retried.count(Outcome.FAILED) == 0
    rows = [r[ITEM_ID] for r in world.sf_records("Product2") if r.get(ITEM_ID)]
    assert sorted(rows) == sorted(i.qb_id for i in failed)
    reads = _qb_reads(world, qb_before)
    assert len(reads) == 2
    assert any("service-items" in p for p in reads)
    assert any("non-inventory-items" in p for p in reads)
    writes = [
        r
        for r in world.sf_requests()[sf_before:]
        if r["method"] == "PATCH" and "Product2" in r["path"]
    ]
    assert len(writes) == 2  # one upsert per list


def test_an_id_deleted_in_quickbooks_since_is_reported_and_the_run_is_not_a_success(
    world: World,
) -> None:
    spare = world.qb.add_item("Spare Hours", kind="service_item")
    run_id = _items_failed_by_a_row_lock(world)
    failed = world.store.run_items(run_id, Outcome.FAILED.value)
    assert spare["id"] in {i.qb_id for i in failed}
    world.qb.delete_list_object(spare["id"])

    retried = world.engine.run(["items"], retry_of=run_id)

    assert retried.status is RunStatus.PARTIAL
    assert _written(retried) == len(failed) - 1
    gone = [
        i
        for i in world.store.run_items(retried.run_id, Outcome.FAILED.value)
        if i.qb_id == spare["id"]
    ]
    assert [(g.code, g.record_key) for g in gone] == [(DELETED_IN_QUICKBOOKS, "Spare Hours")]
    assert gone[0].message is not None and "Deleted in QuickBooks since" in gone[0].message
    assert spare["id"] not in {r.get(ITEM_ID) for r in world.sf_records("Product2")}
    assert len([i for i in world.store.run_items(retried.run_id) if i.qb_id == spare["id"]]) == 1

    later = world.engine.run(["items"])
    assert later.status is RunStatus.SUCCEEDED, "a deleted record is not retried by every sync"
