"""The wait after Sync now: an incremental sync reads QuickBooks in a few pages, a sync with
nothing new writes nothing, and the books check after a sync asks QuickBooks nothing more and
Salesforce only for what it deleted since the last check."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, unquote_plus

from app.engine.books.after_sync import PROGRESS
from app.engine.books.kept_side import kept, path_of, wait_for_writes
from app.engine.books.model import Kind
from app.engine.books.saved import latest
from app.engine.events import Progress
from app.engine.result import RunStatus
from app.quickbooks.client import PAGE_SIZE
from tests.books.conftest import mirror
from tests.integration.conftest import World

INVOICE = "QuickBooks_Invoice__c"
INVOICE_ID = "QuickBooks_Invoice_Id__c"
#: Requests beyond the changed records' pages: one per list read, deletions, preferences.
FIXED_READS = 8
#: How long a held run thread waits to see answers asked before it (a bound, not a figure).
PATIENCE_S = 20
#: How long a stopped run is watched for requests it should not make (a bound, not a figure).
SETTLE_S = 2


def _run(world: World, *, check: bool) -> tuple[int, list[dict[str, str]], int]:
    """(QuickBooks requests, Salesforce requests, records written) of one sync."""
    world.engine.reconcile_after_sync = check
    qb_before, sf_before = len(world.qb_requests()), len(world.sf_requests())
    result = world.engine.run(trigger="test")
    written = result.count("created") + result.count("updated")
    return len(world.qb_requests()) - qb_before, world.sf_requests()[sf_before:], written


def _figure_calls(calls: list[dict[str, str]]) -> list[dict[str, str]]:
    """The Composite calls that ask the check's aggregate figures."""
    return [c for c in calls if c["path"].rstrip("/").endswith("/composite") and c.get("parts")]


def _an_unpaid_invoice(world: World) -> dict[str, Any]:
    return next(i for i in world.qb.all("invoice") if not i["isPaid"])


def _account_balance(world: World, customer_id: str) -> Decimal:
    """The QuickBooks balance the customer's Salesforce account shows."""
    account = next(
        a for a in world.sf_records("Account") if a.get("QuickBooks_Customer_Id__c") == customer_id
    )
    return Decimal(str(account["QuickBooks_Balance__c"]))


def _soql(calls: list[dict[str, str]]) -> list[str]:
    return [parse_qs(c.get("query", "")).get("q", [""])[0] for c in calls]


def test_a_sync_with_nothing_new_writes_nothing_and_its_check_reads_quickbooks_no_more(
    synced: World,
) -> None:
    with_check, sf_calls, written = _run(synced, check=True)
    alone, _, written_alone = _run(synced, check=False)
    assert (written, written_alone) == (0, 0)
    assert with_check == alone, "the check reuses what the sync read"
    reconciliation = latest(synced.store)
    assert reconciliation is not None and reconciliation.clean
    assert reconciliation.reused_from is not None
    # Deletions in Salesforce since the last check: one Get Deleted per object, no id lists.
    deleted_asks = [c for c in sf_calls if c["path"].rstrip("/").endswith("/deleted")]
    assert len(deleted_asks) == 3, [c["path"] for c in sf_calls]
    reads_of_every_id = [q for q in _soql(sf_calls) if q.startswith("SELECT Id FROM")]
    assert not reads_of_every_id
    # The write-ahead log is copied after the run, not by a commit inside the next one's wait.
    checkpointed = synced.engine.last_checkpoint
    assert checkpointed is not None
    done = checkpointed.result()
    assert done is not None and done[0] == 0 and done[1] == done[2]


def test_an_incremental_sync_reads_quickbooks_in_pages_of_the_changes(synced: World) -> None:
    world = synced
    changed = [i["id"] for i in world.qb.all("invoice")][:160]
    for number, invoice_id in enumerate(changed):
        world.qb.edit_invoice(invoice_id, memo=f"Changed {number}")
    with_check, _, _ = _run(world, check=True)
    assert with_check <= len(changed) // PAGE_SIZE + FIXED_READS, with_check
    assert latest(world.store).reused_from is not None  # type: ignore[union-attr]


def _delete_a_paid_invoices_mirror(world: World) -> dict[str, Any]:
    """Deletes a paid invoice's mirror in Salesforce, as a user might; the invoice."""
    paid = next(i for i in world.qb.all("invoice") if i["isPaid"])
    gone = mirror(world, INVOICE, INVOICE_ID, paid["id"])
    response = world.session.delete(
        f"{world.engine.salesforce.base}sobjects/{INVOICE}/{gone['Id']}"
    )
    assert response.status_code == 204, response.text
    return paid


def test_a_mirror_deleted_after_a_clean_check_is_named_by_the_next_check(synced: World) -> None:
    world = synced
    paid = _delete_a_paid_invoices_mirror(world)
    _run(world, check=True)
    found = latest(world.store)
    assert found is not None and not found.clean
    named = {d.qb_id for d in found.differences if d.kind is Kind.MISSING_IN_SALESFORCE}
    assert paid["id"] in named, found.report_lines()


def test_an_open_invoice_deleted_in_quickbooks_leaves_the_next_check_clean_without_a_full_read(
    synced: World,
) -> None:
    world = synced
    unpaid = _an_unpaid_invoice(world)
    world.qb.delete_invoice(unpaid["id"])
    with_check, sf_calls, _ = _run(world, check=True)
    found = latest(world.store)
    assert found is not None and found.clean, found and found.report_lines()
    # The sync moved the invoice's mirror and the account's balance after the check's figures
    # were asked: those that read them were asked again (the figures alone would disagree), and
    # only those.
    figure_calls = _figure_calls(sf_calls)
    assert len(figure_calls) == 3, [c.get("parts") for c in figure_calls]
    again = " ".join(unquote_plus(p) for p in figure_calls[-1]["parts"])
    assert "QuickBooks_Balance__c" in again and "Payment" not in again
    # QuickBooks' kept side lost the invoice the sync read as deleted: no full read was needed.
    assert found.reused_from is not None
    assert found.open_invoices.quickbooks.count == found.open_invoices.salesforce.count
    assert with_check <= FIXED_READS, with_check
    # The deletion moved the customer's balance, which QuickBooks does not count as an edit of
    # the customer: the sync re-read it all the same, and a full read of both sides agrees.
    customer = world.qb.get(unpaid["customer"]["id"])
    assert _account_balance(world, customer["id"]) == Decimal(customer["totalBalance"])
    assert world.engine.check_books().clean


def test_salesforce_figures_are_asked_while_quickbooks_is_still_read_and_used_once(
    synced: World,
) -> None:
    world = synced
    invoice = _an_unpaid_invoice(world)
    world.qb.edit_invoice(invoice["id"], memo="Delivered to the dock")
    world.engine.reconcile_after_sync = True
    # Only this process's copy of the last check's side is left: asking early must not take it.
    wait_for_writes()
    path_of(world.store).unlink()
    sf_before, qb_before = len(world.sf_requests()), len(world.qb_requests())
    asked_by_check_start: list[int] = []

    def asked() -> int:
        return len(_figure_calls(world.sf_requests()[sf_before:]))

    def progress(step: Progress) -> None:
        # The run's thread is held as the check begins: only figures asked before it can come.
        if step.workflow == PROGRESS and step.phase == "checking":
            deadline = time.monotonic() + PATIENCE_S
            while time.monotonic() < deadline and asked() < 2:
                time.sleep(0.02)
            asked_by_check_start.append(asked())

    world.engine.run(trigger="test", progress=progress)
    found = latest(world.store)
    assert found is not None and found.clean, found and found.report_lines()
    # Asked before the check began, and not again: nothing the figures read was written since.
    assert asked_by_check_start == [2]
    assert len(_figure_calls(world.sf_requests()[sf_before:])) == 2
    assert len(world.qb_requests()) - qb_before <= FIXED_READS, "QuickBooks was not read again"


def _forget_the_kept_side(world: World) -> None:
    """As in a new process: no side kept by an earlier check, so no delete log to start from."""
    assert kept(world.store) is not None
    wait_for_writes()
    path_of(world.store).unlink()


def _listings(calls: list[dict[str, str]], sobject: str) -> tuple[int, int]:
    """(whole listings, listings by id) of one object's ids."""
    asked = [q.split(" WHERE ")[0] for q in _soql(calls) if q.startswith("SELECT Id FROM ")]
    whole = _soql(calls).count(f"SELECT Id FROM {sobject}")  # noqa: S608
    return whole, asked.count(f"SELECT Id FROM {sobject}") - whole  # noqa: S608


def test_without_a_delete_log_the_mirrors_are_listed_while_quickbooks_is_still_read(
    synced: World,
) -> None:
    world = synced
    # A payment is written after the invoices' mirrors are listed: its object is listed again.
    unpaid = _an_unpaid_invoice(world)
    world.qb.receive_payment(unpaid["customer"]["id"], "1.00", apply_to={unpaid["id"]: "1.00"})
    _forget_the_kept_side(world)
    sf_before = len(world.sf_requests())
    listed_by_check_start: list[tuple[int, int]] = []

    def progress(step: Progress) -> None:
        # The run's thread is held as the check begins: only a listing asked before it can come.
        if step.workflow == PROGRESS and step.phase == "checking":
            deadline = time.monotonic() + PATIENCE_S
            while (
                time.monotonic() < deadline
                and _listings(world.sf_requests()[sf_before:], INVOICE)[0] < 1
            ):
                time.sleep(0.02)
            listed_by_check_start.append(_listings(world.sf_requests()[sf_before:], INVOICE))

    world.engine.run(trigger="test", progress=progress)
    found = latest(world.store)
    assert found is not None and found.clean, found and found.report_lines()
    calls = world.sf_requests()[sf_before:]
    assert listed_by_check_start == [(1, 0)]
    assert _listings(calls, INVOICE) == (1, 0), "the invoices' listing is used: none written since"
    assert _listings(calls, "QuickBooks_Payment__c") == (1, 1), "listed again after the payment"


def test_a_mirror_missing_from_an_early_listing_is_named(synced: World) -> None:
    world = synced
    paid = _delete_a_paid_invoices_mirror(world)
    _forget_the_kept_side(world)
    _run(world, check=True)
    found = latest(world.store)
    assert found is not None and not found.clean
    named = {d.qb_id for d in found.differences if d.kind is Kind.MISSING_IN_SALESFORCE}
    assert named == {paid["id"]}, found.report_lines()


def _balance_reads(calls: list[dict[str, str]]) -> int:
    """Reads of every customer whose balance is not zero (owing, then in credit)."""
    return sum(
        c["path"].rstrip("/").endswith("/customers") and "totalBalance" in c.get("query", "")
        for c in calls
    )


def test_without_a_kept_side_balances_are_read_behind_the_sync_and_used_once(
    synced: World,
) -> None:
    world = synced
    unpaid = _an_unpaid_invoice(world)
    world.qb.receive_payment(unpaid["customer"]["id"], "2.00", apply_to={unpaid["id"]: "2.00"})
    _forget_the_kept_side(world)
    qb_before = len(world.qb_requests())
    read_by_check_start: list[int] = []

    def progress(step: Progress) -> None:
        # The run's thread is held as the check begins: only balances read before it can come.
        if step.workflow == PROGRESS and step.phase == "checking":
            deadline = time.monotonic() + PATIENCE_S
            while (
                time.monotonic() < deadline and _balance_reads(world.qb_requests()[qb_before:]) < 2
            ):
                time.sleep(0.02)
            read_by_check_start.append(_balance_reads(world.qb_requests()[qb_before:]))

    world.engine.run(trigger="test", progress=progress)
    found = latest(world.store)
    assert found is not None and found.clean, found and found.report_lines()
    assert read_by_check_start == [2]
    assert _balance_reads(world.qb_requests()[qb_before:]) == 2, "not read again by the check"
    customer = world.qb.get(unpaid["customer"]["id"])
    assert found.balances.quickbooks.total == sum(
        (Decimal(c["totalBalance"]) for c in world.qb.all("customer")), Decimal(0)
    )
    assert Decimal(customer["totalBalance"]) != 0
    # Nor by the sync's own balance mirror: the customer the payment touched came from them.
    assert _customers_by_id(world.qb_requests()[qb_before:]) == 0
    assert _account_balance(world, customer["id"]) == Decimal(customer["totalBalance"])


def _customers_by_id(calls: list[dict[str, str]]) -> int:
    return sum(
        c["path"].rstrip("/").endswith("/customers") and "ids=" in c.get("query", "") for c in calls
    )


def test_a_customer_a_deletion_touched_is_read_by_id_even_with_balances_read_early(
    synced: World,
) -> None:
    world = synced
    unpaid = _an_unpaid_invoice(world)
    world.qb.delete_invoice(unpaid["id"])
    _forget_the_kept_side(world)
    qb_before = len(world.qb_requests())
    world.engine.reconcile_after_sync = True
    world.engine.run(trigger="test")
    calls = world.qb_requests()[qb_before:]
    # QuickBooks' deletions are not read before the balances read early: those are not used.
    assert _balance_reads(calls) == 2
    assert _customers_by_id(calls) == 1
    customer = world.qb.get(unpaid["customer"]["id"])
    assert _account_balance(world, customer["id"]) == Decimal(customer["totalBalance"])
    found = latest(world.store)
    assert found is not None and found.clean, found and found.report_lines()


def test_a_run_stopped_before_its_transactions_are_read_asks_quickbooks_no_balances(
    synced: World,
) -> None:
    world = synced
    unpaid = _an_unpaid_invoice(world)
    world.qb.edit_invoice(unpaid["id"], memo="Left at reception")
    _forget_the_kept_side(world)
    # A QuickBooks dialog blocks every read of credit memos: their reader never reads to its end.
    world.sandboxes.conductor.add_fault("qb_dialog", method="GET", path="credit-memos", times=None)
    qb_before = len(world.qb_requests())
    result = world.engine.run(trigger="test")
    assert result.status is not RunStatus.SUCCEEDED
    # The balances' thread wakes when the stopped run closes its readers: it must ask nothing.
    deadline = time.monotonic() + SETTLE_S
    while time.monotonic() < deadline:
        assert _balance_reads(world.qb_requests()[qb_before:]) == 0
        time.sleep(0.05)
