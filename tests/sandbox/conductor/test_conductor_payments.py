"""Received payments settle invoices: balances, links and revision numbers move together."""

from __future__ import annotations

from typing import Any

import conductor
import pytest
from conductor_sandbox_support import qbxml_error

from app.sandbox.conductor import ConductorSandbox


def _fresh_invoices(sb: ConductorSandbox, amounts: list[str]) -> tuple[str, list[str]]:
    customer = sb.qb.add_customer("Granite Peak Dental")
    item = sb.qb.ids("service_item")[0]
    ids = [
        sb.qb.add_invoice(
            customer["id"],
            [{"itemId": item, "amount": amount}],
            transaction_date=f"2025-07-0{n + 1}",
        )["id"]
        for n, amount in enumerate(amounts)
    ]
    return customer["id"], ids


def test_payment_applied_to_invoices(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    eu = sb.end_user_id
    customer_id, (first, second) = _fresh_invoices(sb, ["300.00", "200.00"])
    before = {i: client.qbd.invoices.retrieve(i, conductor_end_user_id=eu) for i in (first, second)}
    payment = client.qbd.receive_payments.create(
        conductor_end_user_id=eu,
        customer_id=customer_id,
        transaction_date="2025-07-10",
        total_amount="400.00",
        ref_number="CHK-881",
        apply_to_transactions=[
            {"transaction_id": first, "payment_amount": "300.00"},
            {"transaction_id": second, "payment_amount": "50.00"},
        ],
    )
    assert payment.unused_payment == "50.00"
    assert [
        (t.transaction_id, t.amount, t.balance_remaining) for t in payment.applied_to_transactions
    ] == [
        (first, "300.00", "0.00"),
        (second, "50.00", "150.00"),
    ]
    one = client.qbd.invoices.retrieve(first, conductor_end_user_id=eu)
    two = client.qbd.invoices.retrieve(second, conductor_end_user_id=eu)
    assert (one.applied_amount, one.balance_remaining, one.is_paid) == ("300.00", "0.00", True)
    assert (two.applied_amount, two.balance_remaining, two.is_paid) == ("50.00", "150.00", False)
    for invoice in (one, two):
        assert invoice.updated_at > before[invoice.id].updated_at
        assert invoice.revision_number != before[invoice.id].revision_number
        assert invoice.linked_transactions[0].id == payment.id
    customer = client.qbd.customers.retrieve(customer_id, conductor_end_user_id=eu)
    assert customer.balance == "100.00"  # 500 invoiced - 350 applied - 50 unused credit

    updated_since = client.qbd.invoices.list(
        conductor_end_user_id=eu, updated_after=payment.updated_at
    )
    assert {i.id for i in updated_since.data} == {first, second}


def test_payment_rules(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    eu = sb.end_user_id
    customer_id, (first, second) = _fresh_invoices(sb, ["100.00", "100.00"])

    def pay(**fields: Any) -> Any:
        return client.qbd.receive_payments.create(
            conductor_end_user_id=eu,
            customer_id=customer_id,
            transaction_date="2025-07-11",
            **fields,
        )

    with pytest.raises(conductor.APIStatusError) as caught:
        pay(
            total_amount="50.00",
            apply_to_transactions=[{"transaction_id": first, "payment_amount": "60.00"}],
        )
    qbxml_error(caught, "3180")
    with pytest.raises(conductor.APIStatusError) as caught:
        pay(
            total_amount="500.00",
            apply_to_transactions=[{"transaction_id": first, "payment_amount": "150.00"}],
        )
    qbxml_error(caught, "3180")
    with pytest.raises(conductor.BadRequestError):
        pay(
            total_amount="10.00",
            is_auto_apply=True,
            apply_to_transactions=[{"transaction_id": first, "payment_amount": "10.00"}],
        )
    pay(
        total_amount="100.00",
        apply_to_transactions=[{"transaction_id": first, "payment_amount": "100.00"}],
    )
    with pytest.raises(conductor.APIStatusError) as caught:
        pay(
            total_amount="10.00",
            apply_to_transactions=[{"transaction_id": first, "payment_amount": "10.00"}],
        )
    qbxml_error(caught, "3120")
    assert client.qbd.invoices.retrieve(second, conductor_end_user_id=eu).is_paid is False


def test_auto_apply(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    eu = sb.end_user_id
    customer_id, (old, exact, newest) = _fresh_invoices(sb, ["120.00", "75.00", "80.00"])
    matched = client.qbd.receive_payments.create(
        conductor_end_user_id=eu,
        customer_id=customer_id,
        transaction_date="2025-07-12",
        total_amount="75.00",
        is_auto_apply=True,
    )
    assert [(t.transaction_id, t.amount) for t in matched.applied_to_transactions] == [
        (exact, "75.00")
    ]
    spread = client.qbd.receive_payments.create(
        conductor_end_user_id=eu,
        customer_id=customer_id,
        transaction_date="2025-07-13",
        total_amount="150.00",
        is_auto_apply=True,
    )
    assert [(t.transaction_id, t.amount) for t in spread.applied_to_transactions] == [
        (old, "120.00"),
        (newest, "30.00"),
    ]
    assert spread.unused_payment == "0.00"
    balances = [
        client.qbd.invoices.retrieve(i, conductor_end_user_id=eu).balance_remaining
        for i in (old, exact, newest)
    ]
    assert balances == ["0.00", "0.00", "50.00"]
    unapplied = client.qbd.receive_payments.create(
        conductor_end_user_id=eu,
        customer_id=customer_id,
        transaction_date="2025-07-14",
        total_amount="20.00",
        is_auto_apply=False,
    )
    assert unapplied.applied_to_transactions == []
    assert unapplied.unused_payment == "20.00"


def test_payment_update_and_delete(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    eu = sb.end_user_id
    customer_id, (first, second) = _fresh_invoices(sb, ["100.00", "60.00"])
    payment = client.qbd.receive_payments.create(
        conductor_end_user_id=eu,
        customer_id=customer_id,
        transaction_date="2025-07-15",
        total_amount="100.00",
        apply_to_transactions=[{"transaction_id": first, "payment_amount": "100.00"}],
    )
    moved = client.qbd.receive_payments.update(
        payment.id,
        conductor_end_user_id=eu,
        revision_number=payment.revision_number,
        apply_to_transactions=[
            {"transaction_id": first, "payment_amount": "40.00"},
            {"transaction_id": second, "payment_amount": "60.00"},
        ],
    )
    assert [t.amount for t in moved.applied_to_transactions] == ["40.00", "60.00"]
    assert (
        client.qbd.invoices.retrieve(first, conductor_end_user_id=eu).balance_remaining == "60.00"
    )

    client.qbd.receive_payments.delete(payment.id, conductor_end_user_id=eu)
    for invoice_id in (first, second):
        invoice = client.qbd.invoices.retrieve(invoice_id, conductor_end_user_id=eu)
        assert invoice.applied_amount == "0.00"
        assert invoice.is_paid is False
    gone = client.qbd.deleted_transactions.list(
        conductor_end_user_id=eu, transaction_types=["receive_payment"]
    )
    assert [d.id for d in gone.data] == [payment.id]
