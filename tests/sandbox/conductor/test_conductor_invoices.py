"""Invoices: line pricing, totals, updates with revision numbers, void and delete."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import conductor
import pytest
from conductor_sandbox_support import qbxml_error

from app.sandbox.conductor import ConductorSandbox


def _customer_and_items(sb: ConductorSandbox, client: conductor.Conductor) -> tuple[Any, Any, Any]:
    eu = sb.end_user_id
    customer = client.qbd.customers.create(conductor_end_user_id=eu, name="Cedar Point Cafe")
    service = client.qbd.service_items.list(conductor_end_user_id=eu, limit=1).data[0]
    goods = client.qbd.non_inventory_items.list(conductor_end_user_id=eu, limit=1).data[0]
    return customer, service, goods


def test_invoice_lines_and_totals(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    customer, service, goods = _customer_and_items(sb, client)
    price = Decimal(service.sales_or_purchase_details.price)  # type: ignore[union-attr]
    invoice = client.qbd.invoices.create(
        conductor_end_user_id=sb.end_user_id,
        customer_id=customer.id,
        transaction_date="2025-07-01",
        ref_number="A-100",
        memo="First order",
        external_id="12345678-abcd-1234-abcd-1234567890ab",
        lines=[
            {"item_id": service.id, "quantity": 2, "rate": "45.50"},
            {"item_id": goods.id, "amount": "19.99"},
            {"item_id": service.id},
            {"description": "Thank you"},
        ],
    )
    amounts = [line.amount for line in invoice.lines]
    assert amounts == ["91.00", "19.99", str(price.quantize(Decimal("0.01"))), None]
    assert invoice.lines[2].description == service.sales_or_purchase_details.description  # type: ignore[union-attr]
    expected = Decimal("91.00") + Decimal("19.99") + price
    assert Decimal(invoice.subtotal) == expected
    assert invoice.balance_remaining == invoice.subtotal
    assert invoice.applied_amount == "0.00"
    assert invoice.is_paid is False
    assert invoice.due_date == date(2025, 7, 1)
    assert invoice.receivables_account is not None
    assert invoice.receivables_account.full_name == "Accounts Receivable"
    assert invoice.customer is not None and invoice.customer.full_name == "Cedar Point Cafe"
    refreshed = client.qbd.customers.retrieve(customer.id, conductor_end_user_id=sb.end_user_id)
    assert refreshed.balance == invoice.subtotal
    assert refreshed.revision_number == customer.revision_number


def test_invoice_update_replaces_lines(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    customer, service, goods = _customer_and_items(sb, client)
    eu = sb.end_user_id
    invoice = client.qbd.invoices.create(
        conductor_end_user_id=eu,
        customer_id=customer.id,
        transaction_date="2025-07-02",
        lines=[
            {"item_id": service.id, "quantity": 1, "rate": "100.00"},
            {"item_id": goods.id, "quantity": 3, "rate": "10.00"},
        ],
    )
    kept = invoice.lines[0]
    updated = client.qbd.invoices.update(
        invoice.id,
        conductor_end_user_id=eu,
        revision_number=invoice.revision_number,
        memo="Revised",
        lines=[{"id": kept.id, "quantity": 2}, {"id": "-1", "item_id": goods.id, "amount": "5.00"}],
    )
    assert updated.lines[0].id == kept.id
    assert [line.amount for line in updated.lines] == ["200.00", "5.00"]
    assert updated.subtotal == "205.00"
    assert updated.memo == "Revised"
    assert updated.updated_at > invoice.updated_at

    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.invoices.update(
            invoice.id, conductor_end_user_id=eu, revision_number=invoice.revision_number, memo="x"
        )
    qbxml_error(caught, "3200")
    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.invoices.update(
            invoice.id,
            conductor_end_user_id=eu,
            revision_number=updated.revision_number,
            lines=[{"id": "FFFF-1", "quantity": 1}],
        )
    qbxml_error(caught, "3120")


def test_invoice_void_and_delete(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    eu = sb.end_user_id
    open_invoices = client.qbd.invoices.list(conductor_end_user_id=eu, payment_status="not_paid")
    to_void, to_delete = open_invoices.data[0], open_invoices.data[1]

    voided = client.qbd.invoices.void(to_void.id, conductor_end_user_id=eu)
    assert voided.voided is True
    assert voided.ref_number == to_void.ref_number
    after = client.qbd.invoices.retrieve(to_void.id, conductor_end_user_id=eu)
    assert after.subtotal == "0.00"
    assert after.balance_remaining == "0.00"
    assert after.is_paid is True
    assert (after.memo or "").startswith("VOID:")
    assert all(line.amount in (None, "0.00") for line in after.lines)

    deleted = client.qbd.invoices.delete(to_delete.id, conductor_end_user_id=eu)
    assert (deleted.id, deleted.deleted, deleted.ref_number) == (
        to_delete.id,
        True,
        to_delete.ref_number,
    )
    with pytest.raises(conductor.APIStatusError):
        client.qbd.invoices.retrieve(to_delete.id, conductor_end_user_id=eu)
    gone = client.qbd.deleted_transactions.list(
        conductor_end_user_id=eu, transaction_types=["invoice", "receive_payment"]
    )
    assert [(d.id, d.transaction_type, d.ref_number) for d in gone.data] == [
        (to_delete.id, "invoice", to_delete.ref_number)
    ]
    assert gone.data[0].created_at == to_delete.created_at
    assert gone.data[0].deleted_at >= to_delete.updated_at
    later = client.qbd.deleted_transactions.list(
        conductor_end_user_id=eu, transaction_types=["invoice"], deleted_after="2999-01-01"
    )
    assert later.data == []


def test_void_and_delete_free_the_payments(
    sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    eu = sb.end_user_id
    paid = client.qbd.invoices.list(
        conductor_end_user_id=eu, payment_status="paid", include_linked_transactions=True
    ).data[:2]
    for invoice, action in zip(paid, ("void", "delete"), strict=True):
        payment_id = invoice.linked_transactions[0].id
        before = client.qbd.receive_payments.retrieve(payment_id, conductor_end_user_id=eu)
        getattr(client.qbd.invoices, action)(invoice.id, conductor_end_user_id=eu)
        after = client.qbd.receive_payments.retrieve(payment_id, conductor_end_user_id=eu)
        assert invoice.id not in [t.transaction_id for t in after.applied_to_transactions]
        freed = Decimal(after.unused_payment or "0") - Decimal(before.unused_payment or "0")
        assert freed == Decimal(invoice.applied_amount or "0")
        assert after.revision_number != before.revision_number


def test_changes_made_in_quickbooks_show_up(
    sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    eu = sb.end_user_id
    newest = max(i["updatedAt"] for i in sb.qb.all("invoice"))
    invoice_id = sb.qb.ids("invoice")[4]
    before = client.qbd.invoices.retrieve(invoice_id, conductor_end_user_id=eu)
    edited = sb.qb.edit_invoice(invoice_id, memo="Changed at the front desk")
    assert edited["updatedAt"] > newest
    changed = client.qbd.invoices.list(conductor_end_user_id=eu, updated_after=edited["updatedAt"])
    assert [(i.id, i.memo) for i in changed.data] == [(invoice_id, "Changed at the front desk")]
    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.invoices.update(
            invoice_id, conductor_end_user_id=eu, revision_number=before.revision_number, memo="x"
        )
    qbxml_error(caught, "3200")
    added = sb.qb.add_invoice(sb.qb.ids("customer")[0], refNumber="QB-1")
    assert (
        client.qbd.invoices.list(conductor_end_user_id=eu, ref_numbers=["QB-1"]).data[0].id
        == added["id"]
    )
    assert sb.qb.count("invoice") == 41
