"""Creates and updates follow QuickBooks' rules, seen through the real conductor-py client."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import conductor
import pytest

from app.sandbox.conductor import ConductorSandbox
from app.sandbox.conductor.errors import ConductorError


def _error(caught: pytest.ExceptionInfo[conductor.APIStatusError]) -> dict[str, Any]:
    body = caught.value.body
    assert isinstance(body, dict)
    return body["error"]


def _qbxml_error(caught: pytest.ExceptionInfo[Any], code: str) -> dict[str, Any]:
    assert isinstance(caught.value, conductor.InternalServerError)
    assert caught.value.status_code == 502
    error = _error(caught)
    assert error["type"] == "INTEGRATION_ERROR"
    assert error["code"] == "QBD_REQUEST_ERROR"
    assert error["integrationCode"] == code
    assert error["message"].startswith(f"QBD Request Error ({code}): ")
    assert error["userFacingMessage"]
    return error


# -- customers and items -------------------------------------------------------------------------


def test_customer_create_and_update(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    eu = sb.end_user_id
    created = client.qbd.customers.create(
        conductor_end_user_id=eu,
        name="Harbor Light Studio",
        email="hello@harborlight.example.com",
        billing_address={"line1": "1 Pier Rd", "city": "Portland", "state": "OR"},
        credit_limit="2500",
    )
    assert created.full_name == "Harbor Light Studio"
    assert created.is_active is True
    assert created.balance == "0.00"
    assert created.credit_limit == "2500.00"
    assert created.billing_address is not None and created.billing_address.line2 is None
    assert created.created_at == created.updated_at

    updated = client.qbd.customers.update(
        created.id,
        conductor_end_user_id=eu,
        revision_number=created.revision_number,
        phone="555-0100",
        is_active=False,
    )
    assert updated.phone == "555-0100"
    assert updated.email == created.email
    assert updated.updated_at > created.updated_at
    assert updated.revision_number != created.revision_number
    active = client.qbd.customers.list(conductor_end_user_id=eu, name_starts_with="Harbor Light")
    assert active.data == []


def test_stale_revision_number_is_3200(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    eu = sb.end_user_id
    customer = client.qbd.customers.list(conductor_end_user_id=eu, limit=1).data[0]
    sb.qb.edit_customer(customer.id, phone="555-0199")
    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.customers.update(
            customer.id,
            conductor_end_user_id=eu,
            revision_number=customer.revision_number,
            email="new@example.com",
        )
    error = _qbxml_error(caught, "3200")
    assert customer.revision_number in error["message"]
    assert "out-of-date" in error["message"]


@pytest.mark.parametrize(
    "resource, limit", [("customers", 41), ("service_items", 31), ("non_inventory_items", 31)]
)
def test_name_too_long(
    resource: str, limit: int, sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    create = getattr(client.qbd, resource).create
    assert create(conductor_end_user_id=sb.end_user_id, name="N" * limit).name == "N" * limit
    with pytest.raises(conductor.BadRequestError) as caught:
        create(conductor_end_user_id=sb.end_user_id, name="M" * (limit + 1))
    error = _error(caught)
    assert error["type"] == "INVALID_REQUEST_ERROR"
    assert error["httpStatusCode"] == 400
    assert error["message"] == f'Too big: expected string to have <={limit} characters at "name"'


def test_names_are_unique_across_lists(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    eu = sb.end_user_id
    sb.qb.add_vendor("Riverside Paper Co.")
    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.customers.create(conductor_end_user_id=eu, name="RIVERSIDE PAPER CO.")
    assert "RIVERSIDE PAPER CO." in _qbxml_error(caught, "3100")["message"]

    client.qbd.service_items.create(conductor_end_user_id=eu, name="Deep Clean")
    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.non_inventory_items.create(conductor_end_user_id=eu, name="deep clean")
    _qbxml_error(caught, "3100")

    existing = client.qbd.customers.list(conductor_end_user_id=eu, limit=2).data
    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.customers.update(
            existing[1].id,
            conductor_end_user_id=eu,
            revision_number=existing[1].revision_number,
            name=existing[0].name,
        )
    _qbxml_error(caught, "3100")


def test_sub_customer_full_name(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    eu = sb.end_user_id
    parent = client.qbd.customers.create(conductor_end_user_id=eu, name="Summit Homes")
    job = client.qbd.customers.create(conductor_end_user_id=eu, name="Kitchen", parent_id=parent.id)
    assert job.full_name == "Summit Homes:Kitchen"
    assert job.sublevel == 1
    assert job.parent is not None and job.parent.id == parent.id
    renamed = client.qbd.customers.update(
        parent.id, conductor_end_user_id=eu, revision_number=parent.revision_number, name="Summit"
    )
    assert renamed.full_name == "Summit"
    assert (
        client.qbd.customers.retrieve(job.id, conductor_end_user_id=eu).full_name
        == "Summit:Kitchen"
    )


def test_unknown_references_are_3140(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    eu = sb.end_user_id
    item = client.qbd.service_items.list(conductor_end_user_id=eu, limit=1).data[0]
    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.invoices.create(
            conductor_end_user_id=eu,
            customer_id="80000999-1700000000",
            transaction_date="2025-07-01",
            lines=[{"item_id": item.id, "quantity": 1}],
        )
    assert "Customer" in _qbxml_error(caught, "3140")["message"]

    customer = client.qbd.customers.list(conductor_end_user_id=eu, limit=1).data[0]
    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.invoices.create(
            conductor_end_user_id=eu,
            customer_id=customer.id,
            transaction_date="2025-07-01",
            lines=[{"item_id": "80000998-1700000000", "quantity": 1}],
        )
    _qbxml_error(caught, "3140")
    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.customers.create(conductor_end_user_id=eu, name="Classy", class_id="8000ABCD-1")
    _qbxml_error(caught, "3140")


def test_retrieving_an_unknown_id_is_an_error(
    sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.customers.retrieve("80000999-1700000000", conductor_end_user_id=sb.end_user_id)
    assert _qbxml_error(caught, "500")["message"].endswith("could not be found in QuickBooks.")


# -- invoices ------------------------------------------------------------------------------------


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
    _qbxml_error(caught, "3200")
    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.invoices.update(
            invoice.id,
            conductor_end_user_id=eu,
            revision_number=updated.revision_number,
            lines=[{"id": "FFFF-1", "quantity": 1}],
        )
    _qbxml_error(caught, "3120")


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


# -- payments ------------------------------------------------------------------------------------


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
    _qbxml_error(caught, "3180")
    with pytest.raises(conductor.APIStatusError) as caught:
        pay(
            total_amount="500.00",
            apply_to_transactions=[{"transaction_id": first, "payment_amount": "150.00"}],
        )
    _qbxml_error(caught, "3180")
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
    _qbxml_error(caught, "3120")
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


def test_deleted_list_objects(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    eu = sb.end_user_id
    unused = sb.qb.add_customer("Willow Creek Farms")
    sb.qb.delete_list_object(unused["id"])
    used = client.qbd.invoices.list(conductor_end_user_id=eu, limit=1).data[0].customer
    assert used is not None and used.id is not None
    with pytest.raises(ConductorError) as caught:
        sb.qb.delete_list_object(used.id)  # type: ignore[arg-type]
    assert caught.value.integration_code == "3170"
    gone = client.qbd.deleted_list_objects.list(
        conductor_end_user_id=eu, object_types=["customer", "item_service"]
    )
    assert [(d.id, d.list_type, d.full_name) for d in gone.data] == [
        (unused["id"], "customer", "Willow Creek Farms")
    ]


def test_deletions_are_remembered_for_90_days(
    make_sandbox: Any, client: conductor.Conductor
) -> None:
    from datetime import UTC, datetime, timedelta

    start = datetime(2025, 8, 1, 9, 0, tzinfo=UTC)
    sandbox = make_sandbox(seed=5, customers=5, items=4, invoices=6, payments=2, start_time=start)
    api = conductor.Conductor(api_key=sandbox.secret_key, base_url=sandbox.base_url, max_retries=0)
    eu = sandbox.end_user_id
    invoice_id = sandbox.qb.ids("invoice")[0]
    api.qbd.invoices.delete(invoice_id, conductor_end_user_id=eu)
    listed = api.qbd.deleted_transactions.list(
        conductor_end_user_id=eu, transaction_types=["invoice"]
    )
    assert [d.id for d in listed.data] == [invoice_id]
    sandbox.company.clock.observe(start + timedelta(days=91))
    listed = api.qbd.deleted_transactions.list(
        conductor_end_user_id=eu, transaction_types=["invoice"]
    )
    assert listed.data == []
