"""Odd data is one record's problem: a QuickBooks record whose `updatedAt` is not a timestamp,
whose amount is not a number or too large to keep, or whose customer is missing, is reported on
that record with the field and the value; the run goes on and the others are synced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine.odd_values import ODD_VALUE
from app.engine.result import RunStatus
from app.sandbox.launcher import start_sandboxes
from tests.integration.conftest import World, build_world

PAYMENT_ID = "QuickBooks_Payment_Id__c"


@pytest.fixture
def odd_world(data_dir: Path) -> Iterator[World]:
    # Values outside the spec on purpose, so responses are not checked against it here.
    with start_sandboxes(seed=7) as sandboxes:
        world = build_world(sandboxes, data_dir)
        yield world
        world.store.close()


def _inject(world: World, record_id: str, **changes: Any) -> None:
    store = world.sandboxes.conductor.company.store
    found = store.get(record_id)
    assert found is not None
    kind, body = found
    store.replace(kind, {**body, **changes})


def test_odd_values_are_reported_on_their_records_and_the_run_goes_on(odd_world: World) -> None:
    world = odd_world
    invoices = world.qb.all("invoice")
    payments = world.qb.all("receive_payment")
    stamp, huge, no_customer = payments[0], payments[1], payments[2]
    _inject(world, invoices[0]["id"], updatedAt="last Tuesday")
    _inject(world, stamp["id"], updatedAt="not a time")
    _inject(world, huge["id"], totalAmount="123456789012345678901234567890.00")
    _inject(world, no_customer["id"], customer=None)

    result = world.engine.run(trigger="test")
    assert result.status in {RunStatus.SUCCEEDED, RunStatus.PARTIAL}, result.error
    items = {(i.qb_id, i.outcome): i for i in world.store.run_items(result.run_id)}
    odd_stamp = items[(invoices[0]["id"], "warning")]
    assert odd_stamp.code == ODD_VALUE and "updatedAt = 'last Tuesday'" in (odd_stamp.message or "")
    assert "updatedAt = 'not a time'" in (items[(stamp["id"], "warning")].message or "")
    too_large = items[(huge["id"], "failed")]
    assert "123456789012345678901234567890" in f"{too_large.message} {too_large.details}"
    missing = items[(no_customer["id"], "failed")]
    assert "Account is missing in QuickBooks" in (missing.message or "")
    mirrored = {r[PAYMENT_ID] for r in world.sf_records("QuickBooks_Payment__c")}
    assert huge["id"] not in mirrored and no_customer["id"] not in mirrored
    assert {p["id"] for p in payments if p is not huge and p is not no_customer} <= mirrored
    assert result.count("created", "payments") == len(payments) - 2
    invoice_mirrors = {
        r["QuickBooks_Invoice_Id__c"]: r for r in world.sf_records("QuickBooks_Invoice__c")
    }
    # Read and written: only its stamp was odd, and the mirror is left without it.
    assert invoice_mirrors[invoices[0]["id"]].get("QuickBooks_Updated_At__c") is None
    assert set(invoice_mirrors) == {i["id"] for i in invoices}
    assert result.count("created", "invoices") == len(invoices)
    assert not [i for i in items.values() if i.workflow == "invoices" and i.outcome == "failed"]
