"""Receivables that agree: balances follow the money, jobs, credit memos, applied payments,
pending invoices and foreign currency, through both sandboxes end to end."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.domain.workflows import ACCOUNT, CREDIT_MEMO, INVOICE, PAYMENT, WorkflowId
from app.engine import preflight
from app.engine.receivables import ROLLED_UP
from app.engine.result import RunResult, RunStatus
from app.store.settings import JOBS_ROLL_UP
from tests.integration.conftest import World

RECEIVABLE = (WorkflowId.INVOICES, WorkflowId.CREDIT_MEMOS, WorkflowId.PAYMENTS)


def _line(world: World, amount: str) -> list[dict[str, Any]]:
    return [{"itemId": world.qb.ids("service_item")[0], "amount": amount}]


def _failed(world: World, result: RunResult) -> list[Any]:
    """Failed records of the receivable workflows and of the customers' balances."""
    wanted = {*RECEIVABLE, WorkflowId.CUSTOMERS}
    return [
        item
        for item in world.store.run_items(result.run_id, "failed")
        if item.workflow in wanted and item.qb_id is not None
    ]


def _by(world: World, sobject: str, key: str) -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in world.sf_records(sobject) if r.get(key)}


def _accounts(world: World) -> dict[str, dict[str, Any]]:
    return _by(world, ACCOUNT.name, ACCOUNT.quickbooks_id)


def _linked_customer(world: World, skip: set[str] | None = None) -> str:
    """A top-level QuickBooks customer the first sync linked to an account."""
    accounts = _accounts(world)
    for customer in world.qb.all("customer"):
        usable = customer.get("isActive") and not customer.get("parent")
        if usable and customer["id"] in accounts and customer["id"] not in (skip or set()):
            return str(customer["id"])
    raise AssertionError("no linked customer")


def _first_sync(world: World) -> RunResult:
    result = world.engine.run(trigger="test")
    assert _failed(world, result) == []
    return result


def test_every_touched_account_gets_quickbooks_total_balance(world: World) -> None:
    _first_sync(world)
    invoiced = _linked_customer(world)
    paying = _linked_customer(world, {invoiced})
    credited = _linked_customer(world, {invoiced, paying})
    before = world.qb.get(invoiced)["updatedAt"]
    world.qb.add_invoice(invoiced, _line(world, "3000.00"))
    world.qb.receive_payment(paying, "500.00")
    world.qb.add_credit_memo(credited, _line(world, "125.00"))
    # A balance is derived: the customers themselves did not change.
    assert world.qb.get(invoiced)["updatedAt"] == before

    result = world.engine.run(trigger="test")

    assert _failed(world, result) == []
    accounts = _accounts(world)
    for qb_id in (invoiced, paying, credited):
        total = Decimal(world.qb.get(qb_id)["totalBalance"])
        assert Decimal(str(accounts[qb_id][ACCOUNT.balance])) == total, qb_id


def test_a_jobs_invoices_and_payments_mirror_under_the_jobs_account(world: World) -> None:
    _first_sync(world)
    customer = _linked_customer(world)
    job = world.qb.add_job(customer, "Galley Remodel")
    invoice = world.qb.add_invoice(job["id"], _line(world, "800.00"), refNumber="J-1")
    payment = world.qb.receive_payment(job["id"], "300.00", apply_to={invoice["id"]: "300.00"})

    result = world.engine.run(trigger="test")

    assert _failed(world, result) == []
    accounts = _accounts(world)
    job_account, parent_account = accounts[job["id"]], accounts[customer]
    assert job_account[ACCOUNT.parent] == parent_account["Id"]
    mirrored = _by(world, INVOICE.name, INVOICE.quickbooks_id)[invoice["id"]]
    assert mirrored[INVOICE.account] == job_account["Id"]
    assert not mirrored.get(INVOICE.job_name)
    paid = _by(world, PAYMENT.name, PAYMENT.quickbooks_id)[payment["id"]]
    assert paid[PAYMENT.account] == job_account["Id"]
    assert Decimal(str(job_account[ACCOUNT.balance])) == Decimal("500.00")
    parent_total = Decimal(world.qb.get(customer)["totalBalance"])
    assert Decimal(str(parent_account[ACCOUNT.balance])) == parent_total

    # The next sync is clean and the cursors moved past the job's records.
    later = world.qb.add_invoice(job["id"], _line(world, "40.00"), refNumber="J-2")
    again = world.engine.run(trigger="test")
    assert _failed(world, again) == []
    assert again.count("created", WorkflowId.INVOICES) == 1
    assert world.store.get_cursor(WorkflowId.INVOICES, "qb") == later["updatedAt"]
    quiet = world.engine.run(trigger="test")
    assert _failed(world, quiet) == []
    assert quiet.count("created") == 0 and quiet.count("updated") == 0


def test_rolled_up_jobs_go_on_their_customers_account_each_invoice_naming_its_job(
    world: World,
) -> None:
    world.store.set(JOBS_ROLL_UP, True)
    _first_sync(world)
    customer = _linked_customer(world)
    job = world.qb.add_job(customer, "Galley Remodel")
    phase = world.qb.add_job(job["id"], "Phase 2")
    invoice = world.qb.add_invoice(job["id"], _line(world, "800.00"), refNumber="R-1")
    deeper = world.qb.add_invoice(phase["id"], _line(world, "60.00"), refNumber="R-2")
    own = world.qb.add_invoice(customer, _line(world, "25.00"), refNumber="R-3")
    payment = world.qb.receive_payment(job["id"], "300.00", apply_to={invoice["id"]: "300.00"})

    result = world.engine.run(trigger="test")

    assert _failed(world, result) == []
    accounts = _accounts(world)
    assert job["id"] not in accounts and phase["id"] not in accounts
    parent = accounts[customer]
    mirrored = _by(world, INVOICE.name, INVOICE.quickbooks_id)
    assert mirrored[invoice["id"]][INVOICE.account] == parent["Id"]
    assert mirrored[invoice["id"]][INVOICE.job_name] == "Galley Remodel"
    assert mirrored[deeper["id"]][INVOICE.account] == parent["Id"]
    assert mirrored[deeper["id"]][INVOICE.job_name] == "Galley Remodel:Phase 2"
    assert not mirrored[own["id"]].get(INVOICE.job_name)
    paid = _by(world, PAYMENT.name, PAYMENT.quickbooks_id)[payment["id"]]
    assert paid[PAYMENT.account] == parent["Id"]
    total = Decimal(world.qb.get(customer)["totalBalance"])
    assert Decimal(str(parent[ACCOUNT.balance])) == total
    skipped = {i.qb_id: i.code for i in world.store.run_items(result.run_id, "skipped")}
    assert skipped[job["id"]] == skipped[phase["id"]] == ROLLED_UP

    quiet = world.engine.run(trigger="test")
    assert _failed(world, quiet) == []
    assert quiet.count("created") == 0 and quiet.count("updated") == 0


def test_a_credit_memo_mirrors_its_remaining_credit_and_what_it_was_applied_to(
    world: World,
) -> None:
    _first_sync(world)
    customer = _linked_customer(world)
    invoice = world.qb.add_invoice(customer, _line(world, "500.00"), refNumber="CM-INV")
    memo = world.qb.add_credit_memo(customer, _line(world, "120.00"), refNumber="CM-7")
    world.qb.apply_credit(memo["id"], invoice["id"], "100.00")

    result = world.engine.run(trigger="test")

    assert _failed(world, result) == []
    row = _by(world, CREDIT_MEMO.name, CREDIT_MEMO.quickbooks_id)[memo["id"]]
    assert row[CREDIT_MEMO.ref_number] == "CM-7"
    assert Decimal(str(row[CREDIT_MEMO.credit_remaining])) == Decimal("20.00")
    assert Decimal(str(row["Total__c"])) == Decimal("120.00")
    assert row[CREDIT_MEMO.status] == "Open"
    assert "Invoice CM-INV" in row["Applied_To__c"] and "100.00" in row["Applied_To__c"]
    assert row[CREDIT_MEMO.account] == _accounts(world)[customer]["Id"]
    mirrored = _by(world, INVOICE.name, INVOICE.quickbooks_id)[invoice["id"]]
    assert Decimal(str(mirrored[INVOICE.balance_remaining])) == Decimal("400.00")
    assert "Credit memo CM-7" in mirrored["Paid_By__c"]


def test_a_voided_or_deleted_credit_memo_is_marked_on_its_mirror(world: World) -> None:
    _first_sync(world)
    customer = _linked_customer(world)
    invoice = world.qb.add_invoice(customer, _line(world, "300.00"), refNumber="VD-INV")
    voided = world.qb.add_credit_memo(customer, _line(world, "50.00"), refNumber="CM-V")
    deleted = world.qb.add_credit_memo(customer, _line(world, "70.00"), refNumber="CM-D")
    world.qb.apply_credit(deleted["id"], invoice["id"], "70.00")
    assert _failed(world, world.engine.run(trigger="test")) == []
    world.qb.void_credit_memo(voided["id"])
    world.qb.delete_credit_memo(deleted["id"])

    result = world.engine.run(trigger="test")

    assert _failed(world, result) == []
    rows = _by(world, CREDIT_MEMO.name, CREDIT_MEMO.quickbooks_id)
    assert rows[voided["id"]][CREDIT_MEMO.status] == "Voided"
    assert Decimal(str(rows[voided["id"]][CREDIT_MEMO.credit_remaining])) == 0
    assert rows[deleted["id"]][CREDIT_MEMO.status] == "Deleted in QuickBooks"
    # The invoice owes the deleted credit again, and the account's balance says so.
    mirrored = _by(world, INVOICE.name, INVOICE.quickbooks_id)[invoice["id"]]
    assert Decimal(str(mirrored[INVOICE.balance_remaining])) == Decimal("300.00")
    total = Decimal(world.qb.get(customer)["totalBalance"])
    assert Decimal(str(_accounts(world)[customer][ACCOUNT.balance])) == total


def test_a_payment_mirrors_its_applied_to_lines_and_unapplied_amount(world: World) -> None:
    _first_sync(world)
    customer = _linked_customer(world)
    invoice = world.qb.add_invoice(customer, _line(world, "300.00"), refNumber="AP-1")
    payment = world.qb.receive_payment(
        customer, "500.00", apply_to={invoice["id"]: "300.00"}, refNumber="CHK-9"
    )

    result = world.engine.run(trigger="test")

    assert _failed(world, result) == []
    row = _by(world, PAYMENT.name, PAYMENT.quickbooks_id)[payment["id"]]
    assert "Invoice AP-1" in row["Applied_To__c"] and "300.00" in row["Applied_To__c"]
    assert Decimal(str(row["Unapplied_Amount__c"])) == Decimal("200.00")
    mirrored = _by(world, INVOICE.name, INVOICE.quickbooks_id)[invoice["id"]]
    assert "Payment CHK-9" in mirrored["Paid_By__c"]
    assert mirrored[INVOICE.status] == "Paid"


def test_a_pending_invoice_is_marked_pending_and_left_out_of_the_balance(
    world: World,
) -> None:
    _first_sync(world)
    customer = _linked_customer(world)
    before = Decimal(world.qb.get(customer)["totalBalance"])
    pending = world.qb.add_invoice(customer, _line(world, "75.00"), isPending=True)

    result = world.engine.run(trigger="test")

    assert _failed(world, result) == []
    row = _by(world, INVOICE.name, INVOICE.quickbooks_id)[pending["id"]]
    assert row[INVOICE.status] == "Pending"
    account = _accounts(world)[customer]
    assert Decimal(str(account[ACCOUNT.balance])) == before


def test_a_foreign_currency_invoice_mirrors_currency_rate_and_home_amounts(
    world: World,
) -> None:
    _first_sync(world)
    world.sf.schema.set_multi_currency(True)
    world.qb.use_multicurrency("US Dollar")
    world.qb.set_exchange_rate("Euro", 1.1)
    customer = _linked_customer(world)
    world.qb.set_customer_currency(customer, "Euro")
    invoice = world.qb.add_invoice(customer, _line(world, "200.00"), refNumber="EUR-1")
    payment = world.qb.receive_payment(customer, "50.00", apply_to={invoice["id"]: "50.00"})
    memo = world.qb.add_credit_memo(customer, _line(world, "10.00"))

    result = world.engine.run(trigger="test")

    assert _failed(world, result) == []
    row = _by(world, INVOICE.name, INVOICE.quickbooks_id)[invoice["id"]]
    assert row["Currency__c"] == "Euro"
    assert Decimal(str(row["Exchange_Rate__c"])) == Decimal("1.1")
    assert Decimal(str(row[INVOICE.balance_remaining])) == Decimal("150.00")
    assert Decimal(str(row["Balance_Remaining_Home__c"])) == Decimal("165.00")
    assert row["CurrencyIsoCode"] == "EUR"
    paid = _by(world, PAYMENT.name, PAYMENT.quickbooks_id)[payment["id"]]
    assert Decimal(str(paid["Amount_Home__c"])) == Decimal("55.00")
    assert paid["CurrencyIsoCode"] == "EUR"
    credit = _by(world, CREDIT_MEMO.name, CREDIT_MEMO.quickbooks_id)[memo["id"]]
    assert Decimal(str(credit["Credit_Remaining_Home__c"])) == Decimal("11.00")
    assert credit["CurrencyIsoCode"] == "EUR"


def test_an_opportunity_in_another_currency_than_its_customer_cannot_be_approved(
    world: World,
) -> None:
    _first_sync(world)
    world.sf.schema.set_multi_currency(True)
    world.qb.use_multicurrency("US Dollar")
    candidate = next(c for c in world.engine.review_queue() if c.draft.preview.can_approve)
    opportunity, customer = candidate.id, candidate.draft.preview.quickbooks_customer_id
    assert customer is not None
    sf = world.engine.salesforce

    def currency_checks() -> list[Any]:
        queue = {c.id: c for c in world.engine.review_queue()}
        return [p for p in queue[opportunity].checks if p.code == preflight.CURRENCY]

    sf.update("Opportunity", [{"Id": opportunity, "CurrencyIsoCode": "EUR"}])
    (problem,) = currency_checks()
    assert "EUR" in problem.message and "US Dollar (USD)" in problem.message
    # Billed in euros in QuickBooks, the same opportunity is fine.
    world.qb.set_customer_currency(customer, "Euro")
    assert currency_checks() == []
    sf.update("Opportunity", [{"Id": opportunity, "CurrencyIsoCode": "CAD"}])
    (problem,) = currency_checks()
    assert "CAD" in problem.message and "Euro (EUR)" in problem.message


def test_a_run_that_stops_after_mirroring_an_invoice_leaves_its_balance_to_the_next(
    world: World,
) -> None:
    _first_sync(world)
    invoiced = _linked_customer(world)
    before = Decimal(str(_accounts(world)[invoiced][ACCOUNT.balance]))
    invoice = world.qb.add_invoice(invoiced, _line(world, "640.00"))
    # QuickBooks stops answering once the invoices are mirrored and their cursor has moved.
    world.sandboxes.conductor.add_fault("qb_dialog", method="GET", path="credit-memos", times=None)

    stopped = world.engine.run(trigger="test")

    assert stopped.status is RunStatus.NEEDS_ATTENTION
    assert invoice["id"] in _by(world, INVOICE.name, INVOICE.quickbooks_id)
    assert Decimal(str(_accounts(world)[invoiced][ACCOUNT.balance])) == before
    world.sandboxes.conductor.clear_faults()

    again = world.engine.run(trigger="test")

    assert again.status is RunStatus.SUCCEEDED, again.error
    total = Decimal(world.qb.get(invoiced)["totalBalance"])
    assert total == before + Decimal("640.00")
    assert Decimal(str(_accounts(world)[invoiced][ACCOUNT.balance])) == total
