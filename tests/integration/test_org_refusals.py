"""Org settings that refuse writes: a duplicate rule, a required field (a validation rule) and a
record type each give the refused record a plain problem, while the rest of the run is written
and the cursors move on."""

from __future__ import annotations

from app.store.settings import ACCOUNT_RECORD_TYPE, MATCHING_SKIPPED, WORKFLOWS
from tests.integration.conftest import World

ADDRESS = {"line1": "12 Quarry Road", "city": "Barre", "state": "VT", "postalCode": "05641"}


def _customers_and_invoices(world: World) -> None:
    off = {"items": False, "credit_memos": False, "payments": False, "opportunities": False}
    world.store.set(WORKFLOWS, off)


def _failed(world: World, run_id: int) -> dict[str, object]:
    return {i.record_key: i for i in world.store.run_items(run_id, "failed")}


def test_duplicate_rule_and_required_field_refuse_one_record_each(world: World) -> None:
    _customers_and_invoices(world)
    world.sf.set_config(
        validation_rules=[
            {
                "object": "Account",
                "field": "BillingPostalCode",
                "op": "=",
                "value": None,
                "message": "Billing ZIP/Postal Code is required for customers",
                "name": "Billing_Zip_Required",
            }
        ]
    )
    sf = world.simple_salesforce()
    # A near-twin the app does not weigh as a match (the names' first words differ), while the
    # duplicate rule's fuzzy name and the same billing street hold.
    sf.Account.create(
        {"Name": "Greystone Masonry", "BillingStreet": ADDRESS["line1"], "BillingPostalCode": "1"}
    )
    near = world.qb.add_customer("Grey Stone Masonry", phone="802-555-0144", billingAddress=ADDRESS)
    twin = sf.Account.create(
        {"Name": "Granite Falls Masonry LLC", "Phone": "802-555-0199", "BillingPostalCode": "1"}
    )["id"]
    reviewed = world.qb.add_customer(
        "Granite Falls Masonry", phone="802-555-0199", billingAddress=ADDRESS
    )
    # The bookkeeper said these are different companies, so the sync saves it despite the rule.
    world.store.set(MATCHING_SKIPPED, [[twin, reviewed["id"]]])
    unzipped = world.qb.add_customer("Zipless Trading", billingAddress={"line1": "1 Main St"})
    fine = world.qb.add_customer(
        "Orchard Lane Bakery", phone="802-555-0123", billingAddress=ADDRESS
    )
    invoice = world.qb.add_invoice(fine["id"])

    result = world.engine.run(trigger="test")

    failed = _failed(world, result.run_id)
    assert set(failed) >= {"Grey Stone Masonry", "Zipless Trading"}
    assert failed["Grey Stone Masonry"].code == "DUPLICATES_DETECTED"
    assert "Greystone Masonry" in (failed["Grey Stone Masonry"].message or "")
    assert "Granite Falls Masonry" not in failed
    assert failed["Zipless Trading"].code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert "Billing ZIP/Postal Code is required" in (failed["Zipless Trading"].message or "")
    accounts = {a["QuickBooks_Customer_Id__c"]: a for a in world.sf_records("Account")}
    assert accounts[fine["id"]]["Phone"] == "802-555-0123", "a new account carries the phone"
    assert unzipped["id"] not in accounts
    assert near["id"] not in accounts
    assert accounts[reviewed["id"]]["Name"] == "Granite Falls Masonry", (
        "a decided duplicate is saved"
    )
    waiting = {m.customer_name for m in world.store.open_matches()}
    assert not waiting & {"Grey Stone Masonry", "Granite Falls Masonry"}, "no match was proposed"
    mirrored = {r["QuickBooks_Invoice_Id__c"] for r in world.sf_records("QuickBooks_Invoice__c")}
    assert invoice["id"] in mirrored, "the rest of the run is written"
    assert world.store.get_cursor("invoices", "qb") is not None


def test_a_record_type_is_given_to_new_accounts_and_a_refused_one_is_named(world: World) -> None:
    _customers_and_invoices(world)
    types = {r["DeveloperName"]: r["Id"] for r in world.sf_records("RecordType")}
    world.store.set(ACCOUNT_RECORD_TYPE, "Former_Customer")  # inactive in the org
    refused = world.qb.add_customer("Retired Record Type Co")
    linked_invoice = world.qb.add_invoice(world.qb.all("customer")[0]["id"])

    result = world.engine.run(trigger="test")

    failed = _failed(world, result.run_id)
    assert failed["Retired Record Type Co"].code == "INVALID_CROSS_REFERENCE_KEY"
    assert "RecordTypeId" in (failed["Retired Record Type Co"].message or "")
    mirrored = {r["QuickBooks_Invoice_Id__c"] for r in world.sf_records("QuickBooks_Invoice__c")}
    assert linked_invoice["id"] in mirrored

    world.store.set(ACCOUNT_RECORD_TYPE, "Partner")
    again = world.engine.run(trigger="test", retry_of=result.run_id)

    assert "Retired Record Type Co" not in _failed(world, again.run_id)
    account = next(
        a for a in world.sf_records("Account") if a["QuickBooks_Customer_Id__c"] == refused["id"]
    )
    assert account["RecordTypeId"] == types["Partner"]
