"""The books check compares receivables: each customer's balance, open credits and unapplied
payments, against both sandboxes; each difference is named with its number, customer and both
amounts, and Fix repairs it."""

from __future__ import annotations

from decimal import Decimal

from app.engine.books.model import Kind, Totals
from app.engine.result import RunStatus
from tests.books.conftest import mirror
from tests.integration.conftest import World

ACCOUNT = "Account"
CUSTOMER_ID = "QuickBooks_Customer_Id__c"
PAYMENT = "QuickBooks_Payment__c"
PAYMENT_ID = "QuickBooks_Payment_Id__c"
CREDIT_MEMO = "QuickBooks_Credit_Memo__c"
CREDIT_MEMO_ID = "QuickBooks_Credit_Memo_Id__c"


def _owing(world: World) -> dict[str, object]:
    return next(c for c in world.qb.all("customer") if Decimal(c["totalBalance"]) > 100)


def test_a_stale_balance_is_named_with_both_amounts_and_fix_rewrites_it(synced: World) -> None:
    world = synced
    customer = _owing(world)
    account = mirror(world, ACCOUNT, CUSTOMER_ID, customer["id"])
    world.engine.salesforce.update(ACCOUNT, [{"Id": account["Id"], "QuickBooks_Balance__c": 12.5}])

    found = world.engine.check_books()
    owed = Decimal(customer["totalBalance"])
    assert not found.clean and not found.balances.agrees
    assert found.balances.quickbooks.total - found.balances.salesforce.total == owed - Decimal(
        "12.50"
    )
    [stale] = [d for d in found.differences if d.workflow == "customers"]
    assert (stale.kind, stale.qb_id, stale.sf_id) == (
        Kind.AMOUNT_DIFFERS,
        customer["id"],
        account["Id"],
    )
    assert (stale.quickbooks_amount, stale.salesforce_amount) == (owed, Decimal("12.50"))
    line = stale.describe()
    assert customer["fullName"] in line and f"${owed:,.2f}" in line and "$12.50" in line
    assert any(line.startswith("Customer balances:") for line in found.report_lines())

    repaired = world.engine.repair(found)
    assert repaired is not None and repaired.status is RunStatus.SUCCEEDED, repaired
    fixed = mirror(world, ACCOUNT, CUSTOMER_ID, customer["id"])
    assert Decimal(str(fixed["QuickBooks_Balance__c"])) == owed
    assert world.engine.check_books().clean


def test_an_unapplied_payment_difference_is_named_and_fix_repairs_it(synced: World) -> None:
    world = synced
    customer = _owing(world)
    payment = world.qb.receive_payment(customer["id"], "250.00", refNumber="UNAPPLIED-1")
    assert payment["unusedPayment"] == "250.00"
    assert world.engine.run(trigger="test").status is RunStatus.SUCCEEDED
    after_sync = world.engine.check_books()
    assert after_sync.clean, after_sync.report_lines()
    assert after_sync.unapplied.quickbooks.count >= 1
    assert after_sync.unapplied.salesforce == after_sync.unapplied.quickbooks

    row = mirror(world, PAYMENT, PAYMENT_ID, payment["id"])
    assert Decimal(str(row["Unapplied_Amount__c"])) == Decimal("250.00")
    world.engine.salesforce.update(PAYMENT, [{"Id": row["Id"], "Unapplied_Amount__c": 40.0}])

    found = world.engine.check_books()
    assert not found.unapplied.agrees and found.open_invoices.agrees
    assert found.unapplied.quickbooks.total - found.unapplied.salesforce.total == Decimal("210.00")
    [named] = [d for d in found.differences if d.qb_id == payment["id"]]
    assert named.kind is Kind.AMOUNT_DIFFERS and named.ref == "UNAPPLIED-1"
    assert named.customer == customer["fullName"]
    assert (named.quickbooks_amount, named.salesforce_amount) == (
        Decimal("250.00"),
        Decimal("40.00"),
    )
    assert "unapplied amount" in named.describe()
    assert any("Unapplied payments:" in line for line in found.report_lines())

    repaired = world.engine.repair(found)
    assert repaired is not None and repaired.status is RunStatus.SUCCEEDED, repaired
    assert Decimal(
        str(mirror(world, PAYMENT, PAYMENT_ID, payment["id"])["Unapplied_Amount__c"])
    ) == (Decimal("250.00"))
    assert world.engine.check_books().clean


def test_open_credits_and_pending_invoices(synced: World) -> None:
    world = synced
    customer = _owing(world)
    memo = world.qb.add_credit_memo(customer["id"], refNumber="CM-9")
    pending = world.qb.add_invoice(customer["id"], refNumber="PEND-1", isPending=True)
    assert pending["isPending"] is True

    found = world.engine.check_books()
    credit = Decimal(memo["creditRemaining"])
    assert found.credits.quickbooks.total - found.credits.salesforce.total == credit
    [missing] = [d for d in found.differences if d.qb_id == memo["id"]]
    assert (missing.kind, missing.ref, missing.customer) == (
        Kind.MISSING_IN_SALESFORCE,
        "CM-9",
        customer["fullName"],
    )
    assert missing.quickbooks_amount == credit
    # A pending invoice is no receivable: not among QuickBooks' open invoices.
    assert pending["id"] not in {d.qb_id for d in found.differences}

    assert world.engine.run(trigger="test").status is RunStatus.SUCCEEDED
    after = world.engine.check_books()
    assert after.clean, after.report_lines()
    assert after.credits.salesforce.count == after.credits.quickbooks.count >= 1
    assert mirror(world, CREDIT_MEMO, CREDIT_MEMO_ID, memo["id"])
    assert after.open_invoices.quickbooks != Totals()
