"""Receivables the sandbox keeps as QuickBooks does: jobs and their total balance, credit memos,
payments' applied-to lines, pending invoices, foreign-currency amounts and sales-tax codes.

Each test names the part of Conductor's API reference it follows.
"""

from __future__ import annotations

from decimal import Decimal

import conductor

from app.sandbox.conductor import ConductorSandbox


def _customer_with_job(sb: ConductorSandbox) -> tuple[dict, dict]:
    customer = sb.qb.add_customer("Harbor Kitchens")
    job = sb.qb.add_job(customer["id"], "Galley Remodel")
    return customer, job


def _line(sb: ConductorSandbox, amount: str) -> list[dict]:
    return [{"itemId": sb.qb.ids("service_item")[0], "amount": amount}]


def test_a_job_is_a_sub_customer_and_its_customer_totals_both(
    sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    """ "The Customer object": `fullName` "Parent:Job", `sublevel` 1, `parent`; `balance` leaves
    out jobs, `totalBalance` adds them."""
    eu = sb.end_user_id
    customer, job = _customer_with_job(sb)
    sb.qb.add_invoice(customer["id"], _line(sb, "100.00"))
    sb.qb.add_invoice(job["id"], _line(sb, "250.00"))
    read_job = client.qbd.customers.retrieve(job["id"], conductor_end_user_id=eu)
    assert read_job.full_name == "Harbor Kitchens:Galley Remodel"
    assert read_job.sublevel == 1 and read_job.parent and read_job.parent.id == customer["id"]
    assert read_job.balance == read_job.total_balance == "250.00"
    parent = client.qbd.customers.retrieve(customer["id"], conductor_end_user_id=eu)
    assert parent.balance == "100.00"
    assert parent.total_balance == "350.00"
    # A balance is derived: the customer itself did not change.
    assert parent.updated_at == customer["updatedAt"]


def test_credit_memo_lowers_the_balance_and_links_to_the_invoice_it_is_applied_to(
    sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    """ "The Credit Memo object": `totalAmount`, `creditRemaining`, `linkedTransactions`;
    "List all credit memos" with `customerIds` and `includeLinkedTransactions`."""
    eu = sb.end_user_id
    customer = sb.qb.add_customer("Oakmont Optics")
    invoice = sb.qb.add_invoice(customer["id"], _line(sb, "500.00"))
    created = client.qbd.credit_memos.create(
        conductor_end_user_id=eu,
        customer_id=customer["id"],
        transaction_date="2025-07-02",
        ref_number="CM-7",
        lines=[{"item_id": sb.qb.ids("service_item")[0], "amount": "120.00"}],
    )
    assert created.object_type == "qbd_credit_memo"
    assert created.total_amount == "120.00" and created.credit_remaining == "120.00"
    assert sb.qb.get(customer["id"])["balance"] == "380.00"
    sb.qb.apply_credit(created.id, invoice["id"], "100.00")
    memo = client.qbd.credit_memos.retrieve(created.id, conductor_end_user_id=eu)
    assert memo.credit_remaining == "20.00"
    assert [(t.id, t.transaction_type, t.amount) for t in memo.linked_transactions] == [
        (invoice["id"], "invoice", "-100.00")
    ]
    read = client.qbd.invoices.retrieve(invoice["id"], conductor_end_user_id=eu)
    assert read.balance_remaining == "400.00" and read.applied_amount == "100.00"
    assert ("credit_memo", "-100.00") in [
        (t.transaction_type, t.amount) for t in read.linked_transactions
    ]
    assert sb.qb.get(customer["id"])["balance"] == "380.00"
    listed = client.qbd.credit_memos.list(
        conductor_end_user_id=eu, customer_ids=[customer["id"]], include_linked_transactions=True
    )
    assert [m.id for m in listed.data] == [created.id]
    assert listed.data[0].linked_transactions[0].id == invoice["id"]
    without = client.qbd.credit_memos.list(conductor_end_user_id=eu, ids=[created.id])
    assert without.data[0].linked_transactions == []


def test_voiding_or_deleting_a_credit_memo_gives_the_invoice_its_balance_back(
    sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    """ "Void a credit memo" (amount set to zero, the record kept), "Delete a credit memo", and
    "List all deleted transactions" with `transactionTypes=credit_memo`."""
    eu = sb.end_user_id
    customer = sb.qb.add_customer("Keystone Welding")
    invoice = sb.qb.add_invoice(customer["id"], _line(sb, "200.00"))
    voided = sb.qb.add_credit_memo(customer["id"], _line(sb, "30.00"), refNumber="CM-V")
    deleted = sb.qb.add_credit_memo(customer["id"], _line(sb, "50.00"), refNumber="CM-D")
    sb.qb.apply_credit(voided["id"], invoice["id"], "30.00")
    sb.qb.apply_credit(deleted["id"], invoice["id"], "50.00")
    assert sb.qb.get(invoice["id"])["balanceRemaining"] == "120.00"
    void = client.qbd.credit_memos.void(voided["id"], conductor_end_user_id=eu)
    assert void.voided is True and void.ref_number == "CM-V"
    read = client.qbd.credit_memos.retrieve(voided["id"], conductor_end_user_id=eu)
    assert read.total_amount == read.credit_remaining == "0.00"
    assert (read.memo or "").startswith("VOID")
    gone = client.qbd.credit_memos.delete(deleted["id"], conductor_end_user_id=eu)
    assert gone.deleted is True
    assert sb.qb.get(invoice["id"])["balanceRemaining"] == "200.00"
    assert sb.qb.get(customer["id"])["totalBalance"] == "200.00"
    listed = client.qbd.deleted_transactions.list(
        conductor_end_user_id=eu, transaction_types=["credit_memo"]
    )
    assert [(t.id, t.transaction_type) for t in listed.data] == [(deleted["id"], "credit_memo")]


def test_voiding_an_invoice_gives_the_credit_applied_to_it_back(sb: ConductorSandbox) -> None:
    customer = sb.qb.add_customer("Redwood Roofing")
    invoice = sb.qb.add_invoice(customer["id"], _line(sb, "80.00"))
    memo = sb.qb.add_credit_memo(customer["id"], _line(sb, "20.00"))
    sb.qb.apply_credit(memo["id"], invoice["id"], "20.00")
    sb.qb.void_invoice(invoice["id"])
    back = sb.qb.get(memo["id"])
    assert back["creditRemaining"] == "20.00" and back["linkedTransactions"] == []
    assert sb.qb.get(customer["id"])["totalBalance"] == "-20.00"


def test_payment_shows_its_applied_to_lines_and_unused_payment(
    sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    """ "The Receive-Payment object": `appliedToTransactions` (which invoice, how much) and
    `unusedPayment`."""
    eu = sb.end_user_id
    customer = sb.qb.add_customer("Summit Tiling")
    invoice = sb.qb.add_invoice(customer["id"], _line(sb, "300.00"))
    payment = sb.qb.receive_payment(customer["id"], "500.00", apply_to={invoice["id"]: "300.00"})
    read = client.qbd.receive_payments.retrieve(payment["id"], conductor_end_user_id=eu)
    assert [(a.transaction_id, a.amount) for a in read.applied_to_transactions] == [
        (invoice["id"], "300.00")
    ]
    assert read.unused_payment == "200.00"
    assert sb.qb.get(customer["id"])["balance"] == "-200.00"


def test_a_pending_invoice_does_not_reach_the_balance(
    sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    """ "The Invoice object": `isPending`, an invoice not completed; QuickBooks Desktop keeps a
    pending invoice out of accounts receivable until it is marked final."""
    eu = sb.end_user_id
    customer = sb.qb.add_customer("Willow Nursery")
    created = client.qbd.invoices.create(
        conductor_end_user_id=eu,
        customer_id=customer["id"],
        transaction_date="2025-07-03",
        is_pending=True,
        lines=[{"item_id": sb.qb.ids("service_item")[0], "amount": "75.00"}],
    )
    assert created.is_pending is True
    assert sb.qb.get(customer["id"])["totalBalance"] == "0.00"
    sb.qb.edit_invoice(created.id, isPending=False)
    assert sb.qb.get(customer["id"])["totalBalance"] == "75.00"


def test_foreign_currency_transactions_carry_home_currency_amounts(
    sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    """ "The Invoice object" / "The Receive-Payment object" / "The Credit Memo object":
    `currency`, `exchangeRate`, and the amount converted to the home currency."""
    eu = sb.end_user_id
    sb.qb.use_multicurrency("US Dollar")
    sb.qb.set_exchange_rate("Euro", 1.1)
    customer = sb.qb.add_customer("Delta Joinery")
    sb.qb.set_customer_currency(customer["id"], "Euro")
    invoice = sb.qb.add_invoice(customer["id"], _line(sb, "200.00"))
    read = client.qbd.invoices.retrieve(invoice["id"], conductor_end_user_id=eu)
    assert read.currency and read.currency.full_name == "Euro"
    assert read.exchange_rate == 1.1
    assert read.balance_remaining == "200.00"
    assert read.balance_remaining_in_home_currency == "220.00"
    payment = sb.qb.receive_payment(customer["id"], "50.00", apply_to={invoice["id"]: "50.00"})
    paid = client.qbd.receive_payments.retrieve(payment["id"], conductor_end_user_id=eu)
    assert paid.total_amount_in_home_currency == "55.00"
    memo = sb.qb.add_credit_memo(customer["id"], _line(sb, "10.00"))
    assert memo["creditRemainingInHomeCurrency"] == "11.00"
    home = sb.qb.add_customer("Union Hardware")
    at_home = client.qbd.invoices.retrieve(
        sb.qb.add_invoice(home["id"], _line(sb, "40.00"))["id"], conductor_end_user_id=eu
    )
    assert at_home.currency and at_home.currency.full_name == "US Dollar"
    assert at_home.exchange_rate == 1
    assert Decimal(at_home.balance_remaining_in_home_currency or "0") == Decimal("40.00")


def test_single_currency_file_leaves_home_amounts_null(
    sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    eu = sb.end_user_id
    customer = sb.qb.add_customer("Lakeside Supply")
    invoice = sb.qb.add_invoice(customer["id"], _line(sb, "40.00"))
    read = client.qbd.invoices.retrieve(invoice["id"], conductor_end_user_id=eu)
    assert read.currency is None and read.balance_remaining_in_home_currency is None


def test_sales_tax_codes_list_and_retrieve(
    sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    """ "List all sales-tax codes" / "Retrieve a sales-tax code": a company file starts with
    "Tax" (taxable) and "Non" (non-taxable); `names` looks them up, case-insensitively."""
    eu = sb.end_user_id
    codes = client.qbd.sales_tax_codes.list(conductor_end_user_id=eu).data
    assert {(c.name, c.is_taxable) for c in codes} == {("Tax", True), ("Non", False)}
    non = client.qbd.sales_tax_codes.list(conductor_end_user_id=eu, names=["non"]).data
    assert [c.name for c in non] == ["Non"]
    one = client.qbd.sales_tax_codes.retrieve(non[0].id, conductor_end_user_id=eu)
    assert one.object_type == "qbd_sales_tax_code" and one.is_taxable is False
