"""Pre-flight checks against both sandboxes: each rule shows in the preview and stops its record
before any QuickBooks call is made for it (the Conductor request log has no POST for it)."""

from __future__ import annotations

from decimal import Decimal

from app.domain.mapping_file import default_mapping_text, parse_mapping
from app.engine import preflight
from app.engine.result import RunStatus
from tests.books.conftest import posts
from tests.integration.conftest import World

TAX_CODE_ROW = """
[[opportunities.fields]]
label = "Tax code"
salesforce = "NextStep"
quickbooks = "salesTaxCodeId"
owner = "salesforce"
type = "text"
"""


def _codes(candidate) -> set[str]:  # type: ignore[no-untyped-def]
    return {p.code for p in candidate.checks}


def test_each_invoice_rule_stops_its_approval_before_quickbooks_is_called(synced: World) -> None:
    world = synced
    queue = {c.id: c for c in world.engine.review_queue()}
    by_customer = {c.draft.preview.customer_name: c for c in queue.values()}
    closing, credit, currency, missing = (
        by_customer["Pioneer Bakery & Sons"],
        by_customer["Valley Bakery LLC"],
        by_customer["Lakeside Bakery & Sons"],
        by_customer["Oakmont Bakery LLC"],
    )
    inactive = by_customer["Ironwood Builders & Sons"]
    for ready in (closing, credit, currency, missing):
        assert ready.draft.preview.can_approve, ready.draft.problems

    # The closing date is the first one's close date: "on or before" is closed.
    world.qb.set_closing_date(closing.draft.preview.transaction_date)
    # The second one's customer may owe 100.00 more than today, and the invoice is bigger.
    customer = world.qb.get(credit.draft.preview.quickbooks_customer_id)
    limit = Decimal(customer["totalBalance"]) + 100
    world.qb.edit_customer(customer["id"], creditLimit=str(limit))
    # The third one's customer is billed in another currency.
    world.qb.use_multicurrency("US Dollar")
    world.qb.set_customer_currency(currency.draft.preview.quickbooks_customer_id, "Canadian Dollar")
    # One of the fourth one's products (used by no other) points at an item QuickBooks no longer
    # has, and the field map sends a sales tax code although this company file keeps no sales tax.
    elsewhere = {
        line.quickbooks_item_id
        for c in queue.values()
        if c.id != missing.id
        for line in c.draft.preview.lines
    }
    item_id = next(
        line.quickbooks_item_id
        for line in missing.draft.preview.lines
        if line.quickbooks_item_id not in elsewhere
    )
    product = next(
        p for p in world.sf_records("Product2") if p.get("QuickBooks_Item_Id__c") == item_id
    )
    sf = world.engine.salesforce
    sf.update("Product2", [{"Id": product["Id"], "QuickBooks_Item_Id__c": "8000FFFF-1234567890"}])
    sf.update("Opportunity", [{"Id": missing.id, "NextStep": "TAX"}])
    world.engine.mapping = parse_mapping(default_mapping_text() + TAX_CODE_ROW)

    requests_before = len(world.qb_requests())
    unchecked = world.engine.review_queue(checks=False)
    assert all(not c.checks for c in unchecked) and len(world.qb_requests()) == requests_before
    queue = {c.id: c for c in world.engine.review_queue()}
    assert _codes(queue[closing.id]) == {preflight.CLOSING_DATE}
    assert _codes(queue[credit.id]) == {preflight.CREDIT_LIMIT}
    assert _codes(queue[currency.id]) == {preflight.CURRENCY}
    assert _codes(queue[missing.id]) == {preflight.ITEM_MISSING, preflight.SALES_TAX_CODE}
    assert _codes(queue[inactive.id]) == {preflight.ITEM_INACTIVE}
    for candidate in (queue[i] for i in (closing.id, credit.id, currency.id, missing.id)):
        preview = candidate.draft.preview
        assert not preview.can_approve and candidate.draft.body is None
        assert {p.code for p in preview.problems} >= _codes(candidate)
    assert "closing date" in queue[closing.id].checks[0].message
    assert f"${limit:,.2f}" in queue[credit.id].checks[0].message
    assert "Canadian Dollar" in queue[currency.id].checks[0].message

    ids = [closing.id, credit.id, currency.id, missing.id, inactive.id]
    result = world.engine.approve(ids)
    assert result.status is RunStatus.PARTIAL
    items = {i.sf_id: i for i in world.store.run_items(result.run_id)}
    assert {i: items[i].code for i in ids} == {
        closing.id: preflight.CLOSING_DATE,
        credit.id: preflight.CREDIT_LIMIT,
        currency.id: preflight.CURRENCY,
        missing.id: preflight.ITEM_MISSING,
        inactive.id: preflight.ITEM_INACTIVE,
    }
    assert all(items[i].outcome == "failed" and items[i].message for i in ids)
    assert posts(world, requests_before, "invoices") == [], "no QuickBooks write was sent"
    assert all(r["method"] == "GET" for r in world.qb_requests()[requests_before:])
    # Refused approvals stay in the queue, showing what to fix.
    waiting = {c.id: c.decision for c in world.engine.review_queue()}
    assert all(waiting[i] is None for i in ids)

    # Once the bookkeeper fixes QuickBooks, the same approval goes through, once.
    world.qb.edit_customer(customer["id"], creditLimit=str(limit + 10_000))
    before = len(world.qb_requests())
    again = world.engine.approve([credit.id])
    assert again.status is RunStatus.SUCCEEDED, again.error
    assert len(posts(world, before, "invoices")) == 1


def test_a_name_quickbooks_already_uses_stops_the_customer_before_it_is_sent(
    synced: World,
) -> None:
    world = synced
    world.qb.add_other_name("Petty Cash Runner")
    linked = next(
        a
        for a in world.sf_records("Account")
        if a.get("Sync_To_QuickBooks__c") and a.get("QuickBooks_Customer_Id__c")
    )
    sf = world.engine.salesforce
    names = {
        "Office Depot": "vendor",
        "jordan lee": "employee",
        "Petty Cash Runner": "other name",
        linked["Name"]: "customer",
        "Brand New Plumbing": None,
    }
    created = {}
    for name in names:
        reply = sf.session.post(
            f"{sf.base}sobjects/Account/", json={"Name": name, "Sync_To_QuickBooks__c": True}
        )
        created[reply.json()["id"]] = name

    preview = world.engine.preview(["customers"])
    planned = {p.sf_id: p for p in preview.planned if p.sf_id in created}
    for sf_id, name in created.items():
        kind = names[name]
        if kind is None:
            assert planned[sf_id].action == "create"
        else:
            assert planned[sf_id].action == "problem"
            assert f"for a {kind}" in planned[sf_id].detail or kind == "customer"

    before = len(world.qb_requests())
    result = world.engine.run(["customers"])
    assert result.status is RunStatus.PARTIAL
    items: dict[str, list[tuple[str, str | None]]] = {}
    messages = []
    for item in world.store.run_items(result.run_id):
        if item.sf_id in created:
            items.setdefault(item.sf_id, []).append((item.outcome, item.code))
            messages.append(item.message or "")
    for sf_id, name in created.items():
        if names[name] is None:
            assert ("created", None) in items[sf_id]
        else:
            assert items[sf_id] == [("failed", preflight.NAME_IN_USE)]
    assert any("linked to another Salesforce account" in m for m in messages)
    sent = posts(world, before, "customers")
    assert len(sent) == 1, "only the new name was sent to QuickBooks"
    assert [c["name"] for c in world.qb.all("customer") if c["name"] == "Brand New Plumbing"]
