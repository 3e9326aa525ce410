"""One fault at a chosen place, then a clean run: the work left over is finished, nothing lost.

Each of these was first seen in the fault storm; here it is pinned down, so it stays fixed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.engine.engine import SyncEngine
from app.engine.result import RunStatus
from app.sandbox.launcher import Sandboxes
from tests.reliability.harness import audit, engine_for, small_world

pytestmark = pytest.mark.slow


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Sandboxes, SyncEngine]]:
    with small_world(seed=901) as sandboxes:
        engine = engine_for(sandboxes, tmp_path)
        yield sandboxes, engine
        engine.store.close()


def _account(sandboxes: Sandboxes, name: str) -> dict:
    return next(a for a in sandboxes.salesforce.records("Account") if a["Name"] == name)


def test_an_account_locked_while_it_is_linked_gets_its_invoices_next_run(
    world: tuple[Sandboxes, SyncEngine],
) -> None:
    sandboxes, engine = world
    acme = _account(sandboxes, "Acme Bakery Inc.")  # not in scope: linked by the balance mirror
    sandboxes.salesforce.add_fault(
        "row_lock", ids=[acme["Id"]], method="PATCH", path="composite", times=None
    )
    first = engine.run()
    sandboxes.salesforce.clear_faults()
    assert first.status is RunStatus.PARTIAL
    failed = {i.code for i in engine.store.run_items(first.run_id, "failed")}
    assert "INVALID_FIELD" in failed, "Acme's invoices waited for its account"
    second = engine.run()
    assert second.status is RunStatus.SUCCEEDED, second.error
    found = audit(sandboxes, engine.store.path)
    assert not found.problems, str(found)


def test_a_customer_adopted_by_name_whose_update_is_refused_still_gets_linked(
    world: tuple[Sandboxes, SyncEngine],
) -> None:
    sandboxes, engine = world
    # Someone has every customer open in QuickBooks: updates are refused (3175).
    sandboxes.conductor.add_fault("record_in_use", method="POST", path=r"/customers/.", times=None)
    first = engine.run(["customers", "invoices"])
    sandboxes.conductor.clear_faults()
    assert first.status is RunStatus.PARTIAL
    refused = engine.store.run_items(first.run_id, "failed")
    assert refused and all(i.code and i.code.endswith("3175") for i in refused), [
        (i.record_key, i.code) for i in refused
    ]
    linked = {
        a["Name"]
        for a in sandboxes.salesforce.records("Account")
        if a.get("QuickBooks_Customer_Id__c")
    }
    assert {i.record_key for i in refused} <= linked, "linked in Salesforce all the same"
    second = engine.run()
    assert second.status is RunStatus.SUCCEEDED, second.error
    found = audit(sandboxes, engine.store.path)
    assert not found.problems, str(found)


def test_a_product_locked_while_it_is_adopted_is_not_created_twice(
    world: tuple[Sandboxes, SyncEngine],
) -> None:
    sandboxes, engine = world
    products = [p["Id"] for p in sandboxes.salesforce.records("Product2")]
    sandboxes.salesforce.add_fault(
        "row_lock", ids=products, method="PATCH", path=r"composite/sobjects$", times=None
    )
    first = engine.run(["items"])
    sandboxes.salesforce.clear_faults()
    assert first.status is RunStatus.PARTIAL
    second = engine.run(["items"])
    assert second.status is RunStatus.SUCCEEDED, second.error
    names = [p["Name"] for p in sandboxes.salesforce.records("Product2")]
    assert len(names) == len(set(names)) == len(products)
