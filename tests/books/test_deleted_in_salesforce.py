"""The books check does not trust the ledger over Salesforce: a mirror or product deleted in
Salesforce is named (invoice number, customer, amount) and Fix creates it again."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from urllib.parse import parse_qs

from app.engine.books.model import Kind
from app.engine.result import RunStatus
from tests.books.conftest import mirror
from tests.integration.conftest import World

INVOICE = "QuickBooks_Invoice__c"
INVOICE_ID = "QuickBooks_Invoice_Id__c"
PRODUCT = "Product2"
ITEM_ID = "QuickBooks_Item_Id__c"


def _delete(world: World, sobject: str, sf_id: str) -> None:
    response = world.session.delete(f"{world.engine.salesforce.base}sobjects/{sobject}/{sf_id}")
    assert response.status_code == 204, response.text


def test_a_mirror_and_a_product_deleted_in_salesforce_are_named_and_fix_restores_them(
    synced: World,
) -> None:
    world = synced
    paid = next(i for i in world.qb.all("invoice") if i["isPaid"])
    item = world.qb.all("service_item")[0]
    invoice_mirror = mirror(world, INVOICE, INVOICE_ID, paid["id"])
    product = mirror(world, PRODUCT, ITEM_ID, item["id"])
    _delete(world, INVOICE, invoice_mirror["Id"])
    _delete(world, PRODUCT, product["Id"])

    # A sync alone puts nothing back: QuickBooks did not change.
    assert world.engine.run(trigger="test").count("created") == 0
    assert all(r.get(INVOICE_ID) != paid["id"] for r in world.sf_records(INVOICE))

    requests_before = len(world.sf_requests())
    found = world.engine.check_books()
    assert not found.clean
    deleted = {
        d.qb_id: d
        for d in found.differences
        if d.kind is Kind.MISSING_IN_SALESFORCE and "deleted there" in d.detail
    }
    assert set(deleted) == {paid["id"], item["id"]}, found.report_lines()
    invoice = deleted[paid["id"]]
    assert (invoice.workflow, invoice.ref) == ("invoices", paid["refNumber"])
    assert invoice.customer == paid["customer"]["fullName"]
    total = Decimal(paid["subtotal"]) + Decimal(paid["salesTaxTotal"])
    assert invoice.quickbooks_amount == total
    lines = "\n".join(found.report_lines())
    assert (
        f"invoice {paid['refNumber']}, {paid['customer']['fullName']}: missing in Salesforce"
        in lines
    )
    assert f"product {item['fullName']}" in lines
    # One query of ids per object checked, not one per record.
    soql = [parse_qs(r["query"]).get("q", [""])[0] for r in world.sf_requests()[requests_before:]]
    queries = Counter(q.split(" FROM ")[1].split(" ")[0] for q in soql if " WHERE Id IN (" in q)
    assert set(queries) == {PRODUCT, INVOICE, "QuickBooks_Payment__c"}, queries
    for sobject, workflow in ((PRODUCT, "items"), (INVOICE, "invoices")):
        assert queries[sobject] <= 1 + world.store.count_links(workflow) // 300, queries

    fixed = world.engine.repair(found)
    assert fixed is not None and fixed.status is RunStatus.SUCCEEDED, fixed and fixed.error
    restored = mirror(world, INVOICE, INVOICE_ID, paid["id"])
    assert restored["Id"] != invoice_mirror["Id"]
    assert mirror(world, PRODUCT, ITEM_ID, item["id"])["Name"] == product["Name"]
    assert world.store.link_by_qb("invoices", paid["id"]).sf_id == restored["Id"]  # type: ignore[union-attr]
    assert world.engine.check_books().clean
