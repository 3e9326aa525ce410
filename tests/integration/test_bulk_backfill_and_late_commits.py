"""A backfill through Bulk API 2.0 against a sandbox as strict as a real org, and accounts that
Salesforce commits late, behind the sync's cursor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce

from app.engine.context import EngineSettings
from app.engine.mirror_bulk import BULK_TAIL_ROWS
from app.engine.result import RunStatus
from app.sandbox.launcher import SandboxSize, start_sandboxes
from tests.integration.conftest import World, build_world

BACKFILL = SandboxSize(customers=30, items=10, invoices=2600, payments=10, opportunities=2)


@pytest.fixture
def backfill_world(data_dir: Path) -> Iterator[World]:
    with start_sandboxes(seed=17, size=BACKFILL) as sandboxes:
        world = build_world(sandboxes, data_dir, EngineSettings(bulk_poll_s=0.05))
        yield world
        world.store.close()


@pytest.mark.slow
def test_a_2600_invoice_backfill_through_bulk_lands_every_record(backfill_world: World) -> None:
    world = backfill_world
    result = world.engine.run(["customers", "invoices"])
    failed = world.store.run_items(result.run_id, "failed")
    assert result.status is RunStatus.SUCCEEDED, {(i.code, i.message) for i in failed}
    jobs = [r for r in world.sf_requests() if r["path"].rstrip("/").endswith("jobs/ingest")]
    assert jobs, "2,600 invoices are above the Bulk threshold"
    invoices = {i["id"] for i in world.qb.all("invoice")}
    assert len(invoices) == 2600
    mirrored = [r["QuickBooks_Invoice_Id__c"] for r in world.sf_records("QuickBooks_Invoice__c")]
    assert sorted(mirrored) == sorted(invoices)
    assert world.store.count_links("invoices") == 2600
    # The pages read when fewer than BULK_TAIL_ROWS records are left go through Collections.
    tail = [
        r
        for r in world.sf_requests()
        if r["method"] == "PATCH" and "composite/sobjects/QuickBooks_Invoice__c" in r["path"]
    ]
    assert 1 <= len(tail) <= BULK_TAIL_ROWS // 150 + 1, len(tail)
    assert len([r for r in jobs if r["method"] == "POST"]) <= 4


def _salesforce(world: World) -> Salesforce:
    session = requests.Session()
    session.verify = world.sf.ca_pem_path
    session.trust_env = False
    return Salesforce(
        instance_url=world.sf.instance_url,
        session_id=world.sf.issue_access_token(),
        session=session,
        version="62.0",
    )


def _linked_accounts(world: World) -> list[dict[str, Any]]:
    return [
        a
        for a in world.sf_records("Account")
        if a["Sync_To_QuickBooks__c"] and a["QuickBooks_Customer_Id__c"]
    ]


def _phone_in_quickbooks(world: World, qb_id: str) -> str | None:
    customer = next(c for c in world.qb.all("customer") if c["id"] == qb_id)
    return customer.get("phone")


def test_an_account_committed_late_behind_the_cursor_is_still_synced(world: World) -> None:
    assert world.engine.run(["customers"]).status is RunStatus.SUCCEEDED
    first, late = _linked_accounts(world)[:2]
    sf = _salesforce(world)

    sf.Account.update(first["Id"], {"Phone": "555-0101"})
    assert world.engine.run(["customers"]).status is RunStatus.SUCCEEDED
    assert _phone_in_quickbooks(world, first["QuickBooks_Customer_Id__c"]) == "555-0101"

    # A transaction that began two minutes ago commits now: its stamp is behind the cursor.
    world.sf.set_config(commit_lag_seconds=120)
    sf.Account.update(late["Id"], {"Phone": "555-0202"})
    world.sf.set_config(commit_lag_seconds=0)
    stamps = {a["Id"]: a["SystemModstamp"] for a in world.sf_records("Account")}
    assert stamps[late["Id"]] < stamps[first["Id"]]

    assert world.engine.run(["customers"]).status is RunStatus.SUCCEEDED
    assert _phone_in_quickbooks(world, late["QuickBooks_Customer_Id__c"]) == "555-0202"
