"""Seeded data, determinism, persistence across restarts and the size knob."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import conductor
import pytest
from conductor_sandbox_support import assert_clean, client_for

from app.sandbox import sample
from app.sandbox.conductor import ConductorSandbox

MakeSandbox = Callable[..., ConductorSandbox]


def test_the_default_company(shared: ConductorSandbox) -> None:
    qb = shared.qb
    assert qb.count("customer") == 41  # 40 customers and one job
    assert qb.count("credit_memo") == 1
    assert qb.count("service_item") + qb.count("non_inventory_item") == 20
    assert qb.count("invoice") == 300
    assert qb.count("receive_payment") == 150
    assert qb.count("account") >= 15
    names = [c["name"] for c in qb.all("customer") if not c.get("parent")]
    assert names == [sample.customer(7, i).name for i in range(40)]
    (job,) = [c for c in qb.all("customer") if c.get("parent")]
    assert job["fullName"] == f"{sample.customer(7, 0).name}:Kitchen Remodel"
    items = {i["name"] for i in qb.all("service_item") + qb.all("non_inventory_item")}
    assert items == {sample.item(7, i).name for i in range(20)}
    for invoice in qb.all("invoice"):
        assert 1 <= len(invoice["lines"]) <= 4
    for item in qb.all("service_item") + qb.all("non_inventory_item"):
        account = item["salesOrPurchaseDetails"]["postingAccount"]
        assert qb.get(account["id"])["accountType"] == "income"
    applied = [p for p in qb.all("receive_payment") if p["appliedToTransactions"]]
    assert len(applied) == 150


def test_timestamps_only_move_forward(shared: ConductorSandbox) -> None:
    invoices = shared.qb.all("invoice")
    for invoice in invoices:
        assert invoice["createdAt"] <= invoice["updatedAt"]
        assert invoice["updatedAt"].endswith("+00:00")
    created = [i["createdAt"] for i in invoices]
    assert created == sorted(created)
    assert len(set(created)) == len(created)


def _writes(sandbox: ConductorSandbox) -> None:
    client = client_for(sandbox)
    eu = sandbox.end_user_id
    customer = client.qbd.customers.create(conductor_end_user_id=eu, name="Pioneer Plumbing Co.")
    invoice = client.qbd.invoices.create(
        conductor_end_user_id=eu,
        customer_id=customer.id,
        transaction_date="2025-07-03",
        lines=[{"item_id": sandbox.qb.ids("service_item")[0], "quantity": 3}],
    )
    client.qbd.receive_payments.create(
        conductor_end_user_id=eu,
        customer_id=customer.id,
        transaction_date="2025-07-04",
        total_amount=invoice.subtotal,
        is_auto_apply=True,
    )
    sandbox.qb.void_invoice(sandbox.qb.ids("invoice")[3])


def test_two_runs_dump_the_same(make_sandbox: MakeSandbox) -> None:
    start = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
    options: dict[str, Any] = {"customers": 8, "items": 6, "invoices": 30, "payments": 12}
    first = make_sandbox(seed=21, start_time=start, **options)
    second = make_sandbox(seed=21, start_time=start, **options)
    _writes(first)
    _writes(second)
    assert first.dump() == second.dump()
    other = make_sandbox(seed=22, start_time=start, **options)
    assert other.dump()["records"] != first.dump()["records"]


def test_seeded_data_does_not_depend_on_the_day(make_sandbox: MakeSandbox) -> None:
    options: dict[str, Any] = {"seed": 4, "customers": 6, "items": 4, "invoices": 20, "payments": 8}
    assert make_sandbox(**options).dump()["records"] == make_sandbox(**options).dump()["records"]


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "conductor.sqlite3"
    first = ConductorSandbox(
        seed=3, customers=5, items=4, invoices=10, payments=4, state_file=state
    )
    first.start()
    created = client_for(first).qbd.customers.create(
        conductor_end_user_id=first.end_user_id, name="Keystone Kitchens Ltd"
    )
    keys = (first.secret_key, first.publishable_key, first.end_user_id)
    first.close()
    assert_clean(first)

    second = ConductorSandbox(seed=99, invoices=500, state_file=state).start()
    try:
        assert (second.secret_key, second.publishable_key, second.end_user_id) == keys
        assert second.qb.count("invoice") == 10
        client = client_for(second)
        again = client.qbd.customers.retrieve(created.id, conductor_end_user_id=second.end_user_id)
        assert again.name == "Keystone Kitchens Ltd"
        later = client.qbd.customers.create(
            conductor_end_user_id=second.end_user_id, name="Lakeside Landscaping"
        )
        assert later.created_at > again.created_at
        assert later.id != created.id
    finally:
        second.close()
    assert_clean(second)


def test_size_knob(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(seed=8, customers=60, items=30, invoices=2500, payments=1000)
    assert sandbox.qb.count("invoice") == 2500
    assert sandbox.qb.count("receive_payment") == 1000
    client = client_for(sandbox)
    last_page = client.qbd.invoices.list(
        conductor_end_user_id=sandbox.end_user_id, ref_number_from="3400", limit=150
    )
    assert [i.ref_number for i in last_page.data] == [str(n) for n in range(3400, 3501)]


@pytest.mark.slow
def test_benchmark_size(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(seed=9, customers=500, items=60, invoices=100_000, payments=60_000)
    assert sandbox.qb.count("invoice") == 100_000
    client = client_for(sandbox)
    page = client.qbd.invoices.list(
        conductor_end_user_id=sandbox.end_user_id, payment_status="not_paid", limit=150
    )
    assert len(page.data) == 150
    assert page.next_cursor is not None


def test_models_parse_every_kind(
    shared: ConductorSandbox, shared_client: conductor.Conductor
) -> None:
    eu = shared.end_user_id
    assert (
        shared_client.qbd.customers.list(conductor_end_user_id=eu).data[0].object_type
        == "qbd_customer"
    )
    assert (
        shared_client.qbd.accounts.list(conductor_end_user_id=eu).data[0].object_type
        == "qbd_account"
    )
    assert (
        shared_client.qbd.receive_payments.list(conductor_end_user_id=eu)
        .data[0]
        .applied_to_transactions
    )
