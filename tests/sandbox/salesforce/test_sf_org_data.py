"""Seeded sample data, deterministic dumps, and a state file that survives a restart."""

from __future__ import annotations

from pathlib import Path

from sf_helpers import connect

from app.sandbox import sample
from app.sandbox.salesforce import SalesforceSandbox

SMALL = {"qb_customers": 20, "accounts_extra": 5, "items": 8, "opportunities": 10}


def test_accounts_match_the_quickbooks_customers(sandbox: SalesforceSandbox) -> None:
    accounts = sandbox.records("Account")
    names = [a["Name"] for a in accounts]
    assert len(accounts) == 12 + 4
    exact = [n for i, n in enumerate(names[:12]) if n == sample.customer(7, i).name]
    near = [(i, n) for i, n in enumerate(names[:12]) if n != sample.customer(7, i).name]
    assert exact, "most accounts carry the QuickBooks customer's name"
    for i, name in near:
        assert name.casefold().split()[0] == sample.customer(7, i).name.casefold().split()[0]
    quickbooks = {sample.customer(7, i).name for i in range(12)}
    assert not quickbooks & set(names[12:])
    assert any(a["Sync_To_QuickBooks__c"] for a in accounts)
    assert not all(a["Sync_To_QuickBooks__c"] for a in accounts)
    assert accounts[0]["Email__c"] == sample.customer(7, 0).email
    assert accounts[0]["BillingCity"] == sample.customer(7, 0).city
    contacts = sandbox.records("Contact")
    assert {c["AccountId"] for c in contacts} == {a["Id"] for a in accounts}


def test_a_larger_org_has_near_duplicates() -> None:
    with SalesforceSandbox(qb_customers=60, items=1, opportunities=0) as sb:
        names = [a["Name"] for a in sb.records("Account")]
    differing = [i for i in range(60) if names[i] != sample.customer(7, i).name]
    assert 2 <= len(differing) <= 20


def test_products_and_won_opportunities_with_lines(sandbox: SalesforceSandbox) -> None:
    products = sandbox.records("Product2")
    assert [p["Name"] for p in products] == [sample.item(7, i).name for i in range(6)]
    entries = {e["Product2Id"]: e["UnitPrice"] for e in sandbox.records("PricebookEntry")}
    assert entries[products[0]["Id"]] == float(sample.item(7, 0).price)
    opportunities = sandbox.records("Opportunity")
    won = [o for o in opportunities if o["IsWon"]]
    assert won and len(won) < len(opportunities)
    lines = sandbox.records("OpportunityLineItem")
    product_ids = {p["Id"] for p in products}
    for opportunity in won:
        mine = [line for line in lines if line["OpportunityId"] == opportunity["Id"]]
        assert mine
        assert all(line["Product2Id"] in product_ids for line in mine)
        assert opportunity["Amount"] == round(sum(line["TotalPrice"] for line in mine), 2)
    user = sandbox.records("User")[0]
    assert (user["Id"], user["Username"]) == (sandbox.user_id, sandbox.username)


def test_the_same_seed_gives_the_same_org() -> None:
    with SalesforceSandbox(seed=11, **SMALL) as one, SalesforceSandbox(seed=11, **SMALL) as two:
        assert one.dump() == two.dump()
        assert one.client_id == two.client_id
        for sb in (one, two):
            connect(sb).Account.create({"Name": "Written Later"})
        for sb in (one, two):  # audit times are whole seconds, so the two may tie
            written = [a for a in sb.records("Account") if a["Name"] == "Written Later"]
            assert written[0]["SystemModstamp"][19:23] == ".000"
        assert one.dump(system_fields=False) == two.dump(system_fields=False)
    with SalesforceSandbox(seed=12, **SMALL) as other:
        assert other.dump(system_fields=False) != one.dump(system_fields=False)


def test_state_file_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "salesforce.sqlite3"
    first = SalesforceSandbox(seed=5, state_file=state, **SMALL).start()
    try:
        tokens = first.issue_tokens()
        sf = connect(first, tokens["access_token"])
        created = sf.Account.create({"Name": "Persisted Co", "QuickBooks_Customer_Id__c": "P-1"})
        sf.query("SELECT Id FROM Account LIMIT 1")
        usage = first.api_usage
        ca = Path(first.ca_pem_path).read_bytes()
        client_id = first.client_id
        before = first.dump()
    finally:
        first.stop()

    second = SalesforceSandbox(seed=5, state_file=state, **SMALL).start()
    try:
        assert second.dump() == before
        assert second.client_id == client_id
        assert Path(second.ca_pem_path).read_bytes() == ca
        assert second.api_usage == usage
        sf = connect(second, tokens["access_token"])
        record = sf.Account.get_by_custom_id("QuickBooks_Customer_Id__c", "P-1")
        assert record["Id"] == created["id"]
        newer = sf.Account.create({"Name": "After Restart"})["id"]
        assert newer > created["id"]
        stamps = sf.query("SELECT SystemModstamp FROM Account ORDER BY SystemModstamp DESC LIMIT 1")
        assert stamps["records"][0]["SystemModstamp"] >= record["SystemModstamp"]  # may tie
    finally:
        second.stop()
