"""A record that comes twice in one backfill goes to Salesforce in two Bulk jobs, in order, so the
later value wins instead of both rows failing as a duplicate external id."""

from __future__ import annotations

import csv

from app.engine.mirror_bulk import BulkSpool
from app.engine.mirror_spec import MirrorSpec, Pending
from app.salesforce.client import SalesforceClient
from tests.integration.conftest import World

SPEC = MirrorSpec(
    workflow="invoices",
    link_key="invoices",
    map_workflow="invoices",
    kinds=("invoice",),
    sobject="QuickBooks_Invoice__c",
    external_field="QuickBooks_Invoice_Id__c",
    label=lambda record: str(record["id"]),
)


def _pending(qb_id: str, name: str) -> Pending:
    mapped = {"QuickBooks_Invoice_Id__c": qb_id, "Name": name}
    return Pending({"id": qb_id}, mapped, f"digest-{name}", None, "invoice")


def test_a_repeated_record_starts_a_new_job_and_the_later_value_wins(world: World) -> None:
    spool = BulkSpool(SPEC)
    try:
        spool.add([_pending("R-1", "first"), _pending("R-2", "other"), _pending("R-1", "second")])
        parts = [*spool.take_ready(), spool.take_part()]
        assert len(parts) == 2
        for part in parts:
            assert part is not None
            assert b"\r\n" not in part.read_bytes()  # the jobs declare lineEnding LF
        with parts[0].open(newline="") as first:
            assert [r["Name"] for r in csv.DictReader(first)] == ["first", "other"]

        client = SalesforceClient(world.sf.instance_url, world.session)
        results = [
            client.bulk_upsert(SPEC.sobject, SPEC.external_field, p, poll_s=0.01)
            for p in parts
            if p is not None
        ]
        assert [r.state for r in results] == ["JobComplete", "JobComplete"]
        assert [list(r.failed()) for r in results] == [[], []]
        assert spool.pop("R-1") == ("digest-first", None, "R-1")  # jobs report in order
        assert spool.pop("R-1") == ("digest-second", None, "R-1")
        saved = {
            r["QuickBooks_Invoice_Id__c"]: r["Name"]
            for r in world.sf_records("QuickBooks_Invoice__c")
        }
        assert (saved["R-1"], saved["R-2"]) == ("second", "other")
    finally:
        spool.cleanup()
