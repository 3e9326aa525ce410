"""Customers and items: names, revisions, references and deletions, as QuickBooks rules them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import conductor
import pytest
from conductor_sandbox_support import client_for, error_of, qbxml_error

from app.sandbox.conductor import ConductorSandbox
from app.sandbox.conductor.errors import ConductorError


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
    error = qbxml_error(caught, "3200")
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
    error = error_of(caught)
    assert error["type"] == "INVALID_REQUEST_ERROR"
    assert error["httpStatusCode"] == 400
    assert error["message"] == f'Too big: expected string to have <={limit} characters at "name"'


def test_names_are_unique_across_lists(sb: ConductorSandbox, client: conductor.Conductor) -> None:
    eu = sb.end_user_id
    sb.qb.add_vendor("Riverside Paper Co.")
    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.customers.create(conductor_end_user_id=eu, name="RIVERSIDE PAPER CO.")
    assert "RIVERSIDE PAPER CO." in qbxml_error(caught, "3100")["message"]

    client.qbd.service_items.create(conductor_end_user_id=eu, name="Deep Clean")
    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.non_inventory_items.create(conductor_end_user_id=eu, name="deep clean")
    qbxml_error(caught, "3100")

    existing = client.qbd.customers.list(conductor_end_user_id=eu, limit=2).data
    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.customers.update(
            existing[1].id,
            conductor_end_user_id=eu,
            revision_number=existing[1].revision_number,
            name=existing[0].name,
        )
    qbxml_error(caught, "3100")


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
    assert "Customer" in qbxml_error(caught, "3140")["message"]

    customer = client.qbd.customers.list(conductor_end_user_id=eu, limit=1).data[0]
    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.invoices.create(
            conductor_end_user_id=eu,
            customer_id=customer.id,
            transaction_date="2025-07-01",
            lines=[{"item_id": "80000998-1700000000", "quantity": 1}],
        )
    qbxml_error(caught, "3140")
    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.customers.create(conductor_end_user_id=eu, name="Classy", class_id="8000ABCD-1")
    qbxml_error(caught, "3140")


def test_retrieving_an_unknown_id_is_an_error(
    sb: ConductorSandbox, client: conductor.Conductor
) -> None:
    with pytest.raises(conductor.APIStatusError) as caught:
        client.qbd.customers.retrieve("80000999-1700000000", conductor_end_user_id=sb.end_user_id)
    assert qbxml_error(caught, "500")["message"].endswith("could not be found in QuickBooks.")


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


def test_deletions_are_remembered_for_90_days(make_sandbox: Any) -> None:
    start = datetime(2025, 8, 1, 9, 0, tzinfo=UTC)
    sandbox = make_sandbox(seed=5, customers=5, items=4, invoices=6, payments=2, start_time=start)
    api = client_for(sandbox)
    eu = sandbox.end_user_id
    invoice_id = sandbox.qb.ids("invoice")[0]
    api.qbd.invoices.delete(invoice_id, conductor_end_user_id=eu)
    customer_id = sandbox.qb.add_customer("Tidewater Tiling Group")["id"]
    sandbox.qb.delete_list_object(customer_id)

    def remembered() -> tuple[list[str], list[str]]:
        transactions = api.qbd.deleted_transactions.list(
            conductor_end_user_id=eu, transaction_types=["invoice"]
        )
        objects = api.qbd.deleted_list_objects.list(
            conductor_end_user_id=eu, object_types=["customer"]
        )
        return [d.id for d in transactions.data], [d.id for d in objects.data]

    assert remembered() == ([invoice_id], [customer_id])
    sandbox.company.clock.observe(start + timedelta(days=91))
    assert remembered() == ([], [])
