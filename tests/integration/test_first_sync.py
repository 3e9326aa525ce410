"""The first sync of the sample company, and the second one that has nothing to do."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from urllib.parse import unquote_plus

from app.domain.matching import normalise_name
from app.engine.books.after_sync import PROGRESS as CHECK_PROGRESS
from app.engine.customer_updates import NAME_TO_CONFIRM
from app.engine.events import Progress
from app.engine.result import RunStatus
from tests.integration.conftest import World


def _by(records: list[dict], key: str) -> dict[str, dict]:
    counts = Counter(r[key] for r in records if r.get(key))
    doubled = [k for k, n in counts.items() if n > 1]
    assert not doubled, f"records doubled on {key}: {doubled[:5]}"
    return {r[key]: r for r in records if r.get(key)}


def test_first_sync_mirrors_everything_exactly_once(world: World) -> None:
    result = world.engine.run(trigger="test")
    assert result.status is RunStatus.SUCCEEDED, result.error

    invoices = world.qb.all("invoice")
    mirrored = _by(world.sf_records("QuickBooks_Invoice__c"), "QuickBooks_Invoice_Id__c")
    assert set(mirrored) == {i["id"] for i in invoices}
    accounts = {a["Id"]: a for a in world.sf_records("Account")}
    for invoice in invoices:
        row = mirrored[invoice["id"]]
        assert row["Name"] == invoice["refNumber"]
        assert Decimal(str(row["Balance_Remaining__c"])) == Decimal(invoice["balanceRemaining"])
        assert Decimal(str(row["Subtotal__c"])) == Decimal(invoice["subtotal"])
        assert row["Transaction_Date__c"] == invoice["transactionDate"]
        assert row["Is_Paid__c"] == invoice["isPaid"]
        account = accounts[row["Account__c"]]
        assert account["QuickBooks_Customer_Id__c"] == invoice["customer"]["id"]

    payments = world.qb.all("receive_payment")
    paid = _by(world.sf_records("QuickBooks_Payment__c"), "QuickBooks_Payment_Id__c")
    assert set(paid) == {p["id"] for p in payments}
    for payment in payments:
        assert Decimal(str(paid[payment["id"]]["Amount__c"])) == Decimal(payment["totalAmount"])

    items = world.qb.all("service_item") + world.qb.all("non_inventory_item")
    products = _by(world.sf_records("Product2"), "QuickBooks_Item_Id__c")
    assert set(products) == {i["id"] for i in items}

    # Every account marked for QuickBooks is exactly one QuickBooks customer, linked both ways.
    customers = world.qb.all("customer")
    names = Counter(c["name"] for c in customers)
    assert max(names.values()) == 1
    by_id = {c["id"]: c for c in customers}
    in_scope = [a for a in accounts.values() if a.get("Sync_To_QuickBooks__c")]
    assert in_scope
    # A name that differs only in spelling is linked, and QuickBooks keeps its own until the
    # bookkeeper confirms the new one: a rename of a QuickBooks customer is never automatic.
    names_to_confirm = {
        item.qb_id for item in world.store.run_items(result.run_id) if item.code == NAME_TO_CONFIRM
    }
    for account in in_scope:
        qb_id = account["QuickBooks_Customer_Id__c"]
        assert qb_id in by_id, f"{account['Name']} has no QuickBooks customer"
        qb_name = by_id[qb_id]["name"]
        if qb_name != account["Name"]:
            assert normalise_name(qb_name) == normalise_name(account["Name"])
            assert qb_id in names_to_confirm, f"{qb_name} was renamed or not asked about"
    # The sample has such pairs (e.g. "TIDEWATER BAKERY LLC"), so both branches run.
    assert names_to_confirm and names_to_confirm <= {
        a["QuickBooks_Customer_Id__c"] for a in in_scope
    }
    linked = Counter(
        a["QuickBooks_Customer_Id__c"]
        for a in accounts.values()
        if a.get("QuickBooks_Customer_Id__c")
    )
    assert max(linked.values()) == 1, "no QuickBooks customer is linked to two accounts"

    # The ledger agrees with both sides.
    for link in world.store.links("invoices"):
        assert mirrored[link.qb_id]["Id"] == link.sf_id


def test_second_sync_reads_one_page_per_workflow_and_writes_nothing(world: World) -> None:
    assert world.engine.run(trigger="test").status is RunStatus.SUCCEEDED
    qb_before, sf_before = len(world.qb_requests()), len(world.sf_requests())
    check_started: list[int] = []

    def progress(step: Progress) -> None:
        if step.workflow == CHECK_PROGRESS and step.phase == "checking":
            check_started.append(len(world.sf_requests()))

    result = world.engine.run(trigger="test", progress=progress)
    assert result.status is RunStatus.SUCCEEDED
    assert result.count("created") == 0 and result.count("updated") == 0
    qb_calls = world.qb_requests()[qb_before:]
    sf_calls = world.sf_requests()[sf_before:]
    assert all(c["method"] == "GET" for c in qb_calls), qb_calls
    writes = [a for a in _asks(sf_calls) if not a.startswith("GET ")]
    assert writes == []
    by_path = Counter(c["path"].rsplit("/", 1)[-1] for c in qb_calls)
    # One page per list: customers, service and non-inventory items, invoices, credit memos,
    # payments, deletions.
    assert by_path == Counter(
        {
            "customers": 1,
            "service-items": 1,
            "non-inventory-items": 1,
            "invoices": 1,
            "credit-memos": 1,
            "receive-payments": 1,
            "deleted-transactions": 1,
        }
    )
    # Salesforce, for the sync: the API headroom check, the accounts in scope.
    (check_at,) = check_started
    sync_calls, check_calls = sf_calls[: check_at - sf_before], sf_calls[check_at - sf_before :]
    assert len(sync_calls) <= 3, sync_calls
    # The check of the books that follows asks Salesforce for totals and for what was deleted
    # there since the last check, never record by record: its nine figures in two Composite
    # calls (five queries each at most), and one Get Deleted per object checked.
    for ask in _asks(check_calls):
        query = unquote_plus(ask)
        assert "/deleted/" in ask or "COUNT(Id)" in query or "Unapplied_Amount__c" in query, ask
    assert len(check_calls) <= 5, check_calls


def _asks(calls: list[dict]) -> list[str]:
    """Each request as "METHOD path?query", a Composite call as its subrequests."""
    asks: list[str] = []
    for call in calls:
        if call.get("parts"):
            asks += call["parts"]
        else:
            asks.append(f"{call['method']} {call['path']}?{call.get('query', '')}")
    return asks
