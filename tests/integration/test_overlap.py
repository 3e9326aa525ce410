"""Each list is read again from a little before its cursor (a record committed late carries an
earlier stamp), counted back from when the cursor's read began: a list quiet for longer than the
overlap is read from its cursor, a busy one from the overlap before it."""

from __future__ import annotations

from urllib.parse import parse_qs

from app.engine.context import parse_stamp
from app.engine.result import RunStatus
from tests.integration.conftest import World


def _updated_after(world: World, since: int, resource: str) -> str:
    asked = [
        parse_qs(r["query"])["updatedAfter"][0]
        for r in world.qb_requests()[since:]
        if r["method"] == "GET"
        and r["path"].endswith(f"/{resource}")
        and "updatedAfter" in r["query"]
    ]
    assert len(set(asked)) == 1, asked
    return asked[0]


def test_a_quiet_list_is_read_from_its_cursor_and_a_busy_one_from_before_it(world: World) -> None:
    engine, overlap = world.engine, world.engine.settings.overlap
    assert engine.run(trigger="test").status is RunStatus.SUCCEEDED
    # The company's clock moves on; then an invoice is edited and synced, twice.
    world.sandboxes.conductor.company.clock.advance(2 * overlap)
    invoices = [i["id"] for i in world.qb.all("invoice")]
    for memo, invoice in zip(("Left at reception", "Called back"), invoices, strict=False):
        world.qb.edit_invoice(invoice, memo=memo)
        assert engine.run(trigger="test").status is RunStatus.SUCCEEDED
    items, busy = world.store.get_cursor("items", "qb"), world.store.get_cursor("invoices", "qb")
    assert items is not None and busy is not None
    since = len(world.qb_requests())
    world.qb.edit_invoice(invoices[2], memo="Sent again")
    assert engine.run(trigger="test").status is RunStatus.SUCCEEDED
    # Items last changed long before the last read began: nothing can be committed behind them.
    assert parse_stamp(_updated_after(world, since, "service-items")) == parse_stamp(items)
    # Invoices changed just before it: the overlap before the cursor is read again.
    assert parse_stamp(_updated_after(world, since, "invoices")) == parse_stamp(busy) - overlap
    # And what changed since was read and written.
    edited = next(
        r
        for r in world.sf_records("QuickBooks_Invoice__c")
        if r["QuickBooks_Invoice_Id__c"] == invoices[2]
    )
    quickbooks = world.qb.get(invoices[2])
    assert parse_stamp(edited["QuickBooks_Updated_At__c"]) == parse_stamp(quickbooks["updatedAt"])
